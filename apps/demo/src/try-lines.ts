/**
 * The payload the demo's `expense` flow takes from its `approve` signal: who approved it. The signal's
 * output goes on, through the cool-off, as the input of the `payments` child request.
 */
const APPROVAL_EXAMPLE = { by: 'ana' };

/** The sample requests the demo prints once it is up, against the HTTP API at `base`. */
export function tryLines(base: string): string[] {
  const json = "-H 'content-type: application/json'";
  return [
    `  curl -d hallo ${base}/flow/myflow`,
    `  curl -d hallo '${base}/flow/myflow?wait=5'`,
    `  curl -d alice '${base}/flow/kyc?wait=5'`,
    `  curl ${json} -d '["ann","bob","cy"]' '${base}/flow/kyc-batch?wait=10'`,
    `  curl ${json} -d 120 ${base}/flow/expense   # waits for its signal:`,
    `  curl ${json} -d '${JSON.stringify(APPROVAL_EXAMPLE)}' ${base}/flow/expense/requests/<requestId>/signals/approve`,
    `  curl -N ${json} -d '{"words":12}' '${base}/flow/story?stream=1'   # tokens streamed to a step and to you`,
    `  curl ${base}/flow/kyc/requests/<requestId>          # state`,
    `  curl ${base}/flow/kyc/requests/<requestId>/result   # result`,
    `  curl ${base}/flows/kyc                             # the DAG`,
  ];
}
