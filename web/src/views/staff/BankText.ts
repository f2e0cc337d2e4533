// Small formatting helpers shared by the bank and paper pages.

/** Hundredths of a point as the bank writes them: 200 → "2", 250 → "2.5". */
export function centiText(c: number): string {
  return (c / 100).toFixed(2).replace(/\.?0+$/, '')
}

/** Points typed by a user → hundredths (NaN stays NaN for the caller to refuse). */
export function toCenti(points: number | string): number {
  return Math.round(Number(points) * 100)
}

/** The text of a rich-text fragment, for tables. */
export function plain(html: string): string {
  // DOMParser neither runs nor loads anything in the fragment.
  const doc = new DOMParser().parseFromString(html, 'text/html')
  return (doc.body.textContent ?? '').trim()
}
