import type { Filter } from '../filter.js';

/**
 * Writes a filter so that the `.cfg` filter grammar reads it back to the same words, blocks and
 * labels: words joined by `, `, blocks by `..`, labels by `.`. A word whose first block is
 * empty (what `only a .b` parses to) is written with a single dot, `a, .b`, because the
 * grammar only produces that block right after a separator. `filterText` in `filter.ts` is the
 * human-readable form and does not keep that quirk.
 */
export function filterSpelling(filter: Filter): string {
  return filter.words
    .map((word) => {
      const blocks = word.map((block) => block.map((label) => label.text).join('.'));
      return word[0]?.length === 0 ? `.${blocks.slice(1).join('..')}` : blocks.join('..');
    })
    .join(', ');
}
