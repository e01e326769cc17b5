import { z } from 'zod';

/** The body of `POST /admin/flows/:name/steps` and `PUT /admin/flows/:name/steps/:id`. */
export const stepChangeSchema = z.object({
  id: z
    .string()
    .optional()
    .meta({ description: 'The new step (POST; PUT takes it from the path).' }),
  op: z.string().meta({ description: 'A registered operation.' }),
  with: z.record(z.string(), z.unknown()).optional(),
  after: z.array(z.string()).optional(),
  before: z.array(z.string()).optional(),
  retries: z.number().optional(),
  timeoutMs: z.number().optional(),
});

/** The body of a step change. */
export type StepChangeBody = z.input<typeof stepChangeSchema>;
