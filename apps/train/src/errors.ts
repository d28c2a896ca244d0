/**
 * The app's errors: subclasses of `@tessera/tensor`'s `TesseraError` (one marker for every
 * Tessera error), each with structured fields and a hint. Only `cli.ts` maps them to exit codes.
 */
import { TesseraError } from '@tessera/tensor';

/** One problem in a config: the dotted key, where it was set, what is wrong. */
export interface ConfigIssue {
  readonly key: string;
  readonly location: string | undefined;
  readonly detail: string;
}

function formatIssue(issue: ConfigIssue): string {
  return `${issue.location ? `${issue.location}: ` : ''}${issue.key ? `${issue.key}: ` : ''}${issue.detail}`;
}

/**
 * A config value the app cannot use: an unknown key, a wrong type, a missing file. `key` is the
 * dotted path (`model.d_model`, `data.sources.0.path`) and `location` where it was set
 * (`configs/tiny.yaml:12` or `command-line override 'x=1'`).
 *
 * @example
 * ```ts
 * try { await loadConfig('run.yaml'); } catch (e) { if (ConfigError.isInstance(e)) console.error(e.location, e.key); }
 * ```
 */
export class ConfigError extends TesseraError {
  /** Every problem found (the first is `key`/`location`/`detail`). */
  readonly issues: readonly ConfigIssue[];

  constructor(readonly key: string, readonly location: string | undefined, readonly detail: string, hint?: string, more: readonly ConfigIssue[] = []) {
    super([{ key, location, detail }, ...more].map(formatIssue).join('\n'), hint === undefined ? {} : { hint });
    this.issues = [{ key, location, detail }, ...more];
  }

  /** One error for several problems (one line each). */
  static fromIssues(issues: readonly [ConfigIssue, ...ConfigIssue[]], hint?: string): ConfigError {
    const [first, ...more] = issues;
    return new ConfigError(first.key, first.location, first.detail, hint, more);
  }

  static override isInstance(value: unknown): value is ConfigError {
    return TesseraError.isInstance(value) && value.name === 'ConfigError';
  }
}

/**
 * A command-line usage the app cannot follow (a bad argument, a folder without checkpoints).
 *
 * @example
 * ```ts
 * throw new UsageError('no checkpoint in runs/a', 'train first: tessera-train pretrain <config>');
 * ```
 */
export class UsageError extends TesseraError {
  constructor(detail: string, hint?: string) {
    super(detail, hint === undefined ? {} : { hint });
  }

  static override isInstance(value: unknown): value is UsageError {
    return TesseraError.isInstance(value) && value.name === 'UsageError';
  }
}
