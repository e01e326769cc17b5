/** A command-line mistake: exit code 2 with the message. */
export class UsageError extends Error {}
