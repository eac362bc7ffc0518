// Keeping a loaded list in step with a newer view of one of its entries.

/** Puts `item` in place of the first entry `same` matches; false when none does (the list is then unchanged). */
export function replaceIn<T>(list: T[], item: T, same: (entry: T) => boolean): boolean {
  const i = list.findIndex(same);
  if (i < 0) return false;
  list[i] = item;
  return true;
}
