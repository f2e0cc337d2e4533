// Formulas in rich text are stored as TeX in <span class="math"> (see BankRichText.vue); the
// `v-math` directive typesets them with KaTeX wherever such text is shown (not in the editor,
// where the TeX stays editable). A formula KaTeX cannot parse is shown as its TeX in red
// rather than breaking the page.
import katex from 'katex'
import 'katex/dist/katex.min.css'
import type { Directive } from 'vue'

function typeset(el: HTMLElement) {
  el.querySelectorAll<HTMLElement>('span.math').forEach((span) => {
    // v-html puts fresh spans back on every update; a typeset span keeps its source.
    const tex = span.dataset.tex ?? span.textContent ?? ''
    if (span.dataset.typeset === '1') return
    span.dataset.tex = tex
    katex.render(tex, span, { throwOnError: false, output: 'htmlAndMathml' })
    span.dataset.typeset = '1'
  })
}

export const vMath: Directive<HTMLElement> = { mounted: typeset, updated: typeset }
