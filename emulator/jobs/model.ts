/** Job records as the emulator keeps them (persisted in state.json). */

export type JobStatus =
  | 'NotStarted'
  | 'Queued'
  | 'Preparing'
  | 'Running'
  | 'Finalizing'
  | 'CancelRequested'
  | 'Completed'
  | 'Failed'
  | 'Canceled';

/** Statuses after which a job never changes again. */
export const TERMINAL: ReadonlySet<JobStatus> = new Set(['Completed', 'Failed', 'Canceled']);

export interface JobError {
  /** Azure ML's error code: UserError for the job's own failures, SystemError for the emulator's. */
  code: string;
  message: string;
}

export interface JobRecord {
  /** Canonical workspace name. */
  workspace: string;
  /** Name as created (ARM keeps the creator's casing). */
  name: string;
  createdAt: string;
  modifiedAt: string;
  /** `properties` as the client sent them: the definition, compared on a later PUT. */
  request: Record<string, unknown>;
  /** Command, Pipeline or Sweep. */
  jobType: string;
  status: JobStatus;
  /** When the user process (or the first child) started, and when the job reached a final status. */
  startTime?: string;
  endTime?: string;
  error?: JobError;
  /** Shown by run history (e.g. "not built locally", early termination). */
  warnings: string[];
  /** Run history's run number (per workspace, increasing). */
  runNumber: number;
  /** Name of the pipeline or sweep this job is a step or trial of. */
  parent?: string;
  /** Where job outputs went: output name -> azureml:// URI. */
  outputUris: Record<string, string>;
  /** Values the service reports back (sweep: the best trial and its score). */
  serviceProperties: Record<string, string>;
}

/** What the ARM routes need from the job runner. */
export interface JobControl {
  /** Starts running a job that was just created. */
  start(record: JobRecord): void;
  /** Asks a job to stop; it reaches Canceled when its processes are gone. */
  cancel(record: JobRecord): void;
}
