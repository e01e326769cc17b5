import { readFileSync } from 'node:fs';
import type { ReplyCodeName } from '../../format/reply-codes.js';

/**
 * One Lua file of `lua/` as its header declares it: `--- @keys <n>` or `--- @keys dynamic` (scripts
 * only, not shared functions; a dynamic script takes as many keys as its caller hands it), `--- @replies <ReplyCode names>` or `--- @replies none`, and `--- @include <file>` lines,
 * each replaced by that file's text where it stands.
 */
export interface LuaFile {
  /** The file's own text. */
  readonly text: string;
  /** Its `@keys` count (`'dynamic'`: the caller's), or undefined for a file of shared functions. */
  readonly numberOfKeys: number | 'dynamic' | undefined;
  /** The reply codes it names (see `reply-codes.ts`). */
  readonly replies: readonly ReplyCodeName[];
  /** The files it includes, in order. */
  readonly includes: readonly string[];
}

const ANNOTATION = /^--- @(keys|replies|include) (.+)$/gm;

/** Reads `lua/<name>.lua` (beside `src/` and `dist/`) and its header's annotations. */
export function readLuaFile(name: string): LuaFile {
  const text = readFileSync(new URL(`../../../lua/${name}.lua`, import.meta.url), 'utf8');
  let numberOfKeys: number | 'dynamic' | undefined;
  let replies: ReplyCodeName[] = [];
  const includes: string[] = [];
  for (const [, tag, value = ''] of text.matchAll(ANNOTATION)) {
    if (tag === 'keys') numberOfKeys = value === 'dynamic' ? value : Number(value);
    else if (tag === 'replies')
      replies = value === 'none' ? [] : (value.split(' ') as ReplyCodeName[]);
    else includes.push(value.trim());
  }
  return { text, numberOfKeys, replies, includes };
}

/** The text of a script as loaded: its own file with each `@include` line replaced by that file. */
export function resolveIncludes(name: string): string {
  return readLuaFile(name).text.replace(/^--- @include (.+)$/gm, (_line, file: string) =>
    resolveIncludes(file.trim()),
  );
}
