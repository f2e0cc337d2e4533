// Issue 8 through the web app: staff create a bank, upload an Excel file with a bad answer
// (the preview names row 4, column G 答案 and the reason; there is nothing to confirm), upload
// the fixed file and confirm; the statistics chart shows the knowledge points; a blueprint
// asking for more items than the bank has says which cell cannot be filled; the corrected
// blueprint assembles A/B forms; form A is locked and previewed with its answer key. The item
// editor writes rich text with an uploaded picture and a formula. The bank and paper pages fit
// a phone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { crc32 } from 'node:zlib'
import { launchBrowser } from './lib/browser.mjs'
import { api, startProctor } from './lib/proctor.mjs'
import { STAFF_PASSWORD, portraitPng, prepare } from './lib/registration.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

/** A ZIP archive of stored (uncompressed) entries: enough for an .xlsx. */
function zip(files) {
  const locals = []
  const centrals = []
  let offset = 0
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, 'utf8')
    const nameBuf = Buffer.from(name, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBuf.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBuf.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBuf, data)
    centrals.push(central, nameBuf)
    offset += local.length + nameBuf.length + data.length
  }
  const dir = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(centrals.length / 2, 8)
  end.writeUInt16LE(centrals.length / 2, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, dir, end])
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const col = (i) => String.fromCharCode(65 + i)

/** A one-sheet workbook of inline strings. */
function xlsx(rows) {
  const sheetRows = rows
    .map((cells, r) => `<row r="${r + 1}">${cells.map((v, c) => (v === '' ? '' : `<c r="${col(c)}${r + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`)).join('')}</row>`)
    .join('')
  return zip({
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    'xl/workbook.xml': '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="题库" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheetRows}</sheetData></worksheet>`,
  })
}

/** An el-input-number's <input>, wherever Element Plus put the test id. */
const numberInput = (page, id) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"]`).first()

const HEADER = ['题型', '题干', '选项A', '选项B', '选项C', '选项D', '答案', '分值', '难度', '鉴定点']
/** 12 single-choice items on 1.1.1 and 6 true/false on 1.1.2; `badAnswer` breaks item 3. */
function bankFile(badAnswer) {
  const rows = [HEADER]
  for (let i = 0; i < 12; i++) {
    rows.push(['单选题', `电工仪表第${i + 1}题：兆欧表用于测量（　　）。`, '电流', '绝缘电阻', '电压', '功率', i === 2 && badAnswer ? 'Z' : 'B', '2', '2', '1.1.1'])
  }
  for (let i = 0; i < 6; i++) rows.push(['判断题', `安全规程第${i + 1}题：万用表可以带电测电阻。`, '', '', '', '', '×', '1', '3', '1.1.2'])
  return xlsx(rows)
}

test('import with errors, fixed import, blueprint assembly of A/B forms, lock', { timeout: 240_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const { staff } = await prepare(server)

  const browser = await launchBrowser()
  t.after(() => browser.close())
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', acceptDownloads: true })).newPage()
  page.setDefaultTimeout(15_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'bank-create', async () => {
    await signIn(page, server.url, 'kw.staff', STAFF_PASSWORD)
    await page.waitForURL('**/app/staff')
    await page.goto(`${server.url}/app/staff/bank`)
    await page.getByTestId('bank-new').click()
    await page.getByTestId('bank-code').fill('6-31-01-03')
    await page.getByTestId('bank-name').fill('电工')
    await page.getByTestId('bank-create').click()
    await page.locator('.el-message--success').waitFor()
  })

  await withScreenshotOnFailure(page, 'bank-import-errors', async () => {
    await page.getByRole('tab', { name: '导入导出' }).click()
    await page.getByTestId('import-file').setInputFiles({ name: 'bank.xlsx', mimeType: 'application/octet-stream', buffer: bankFile(true) })
    await page.getByTestId('import-errors').waitFor()
    const table = await page.getByTestId('import-errors').innerText()
    assert.match(table, /\b4\b/, table)
    assert.match(table, /G 答案/, table)
    assert.match(table, /无法识别的字符“Z”/, table)
    assert.match(await page.getByTestId('import-error-summary').innerText(), /1 处错误/)
    assert.equal(await page.getByTestId('import-confirm').count(), 0, 'nothing to confirm while the file has errors')
  })
  const banks = (await api(server.url, 'GET', '/api/banks', { token: staff })).body
  assert.equal(banks[0].item_count, 0, 'nothing imported from the bad file')

  await withScreenshotOnFailure(page, 'bank-import-fixed', async () => {
    await page.getByTestId('import-file').setInputFiles({ name: 'bank.xlsx', mimeType: 'application/octet-stream', buffer: bankFile(false) })
    await page.getByTestId('import-confirm').waitFor()
    assert.equal((await page.getByTestId('import-new').innerText()).trim(), '18')
    await page.getByTestId('import-confirm').click()
    await page.getByTestId('import-done').waitFor()
    assert.match(await page.getByTestId('import-done').innerText(), /新增 18 题/)
    await page.getByRole('tab', { name: '统计' }).click()
    const chart = await page.getByTestId('chart-kp').innerText()
    assert.match(chart, /1\.1\.1\s+12/, chart)
    assert.match(chart, /1\.1\.2\s+6/, chart)
  })

  await withScreenshotOnFailure(page, 'item-editor', async () => {
    await page.getByRole('tab', { name: '试题' }).click()
    await page.getByTestId('item-new').click()
    await page.getByTestId('item-stem').click()
    await page.keyboard.type('如图所示，仪表的读数为（　　）。')
    await page.getByTestId('item-stem-image-file').setInputFiles({ name: 'meter.png', mimeType: 'image/png', buffer: portraitPng() })
    await page.locator('[data-testid="item-stem"] img').waitFor()
    await page.getByTestId('item-stem-formula').click()
    await page.locator('.el-message-box input').fill('U=IR')
    await page.locator('.el-message-box .el-button--primary').click()
    await page.locator('[data-testid="item-stem"] .math').waitFor()
    for (const [i, text] of ['220 V', '380 V', '110 V', '36 V'].entries()) {
      await page.getByTestId(`item-option-${i}`).click()
      await page.keyboard.type(text)
    }
    await page.getByTestId('item-answer').getByText('B', { exact: true }).click()
    await page.getByTestId('item-kp').fill('1.1.3')
    await page.getByTestId('item-save').click()
    await page.getByTestId('item-table').getByText('如图所示，仪表的读数为').waitFor()
  })
  const edited = (await api(server.url, 'GET', `/api/banks/${banks[0].id}/items?knowledge_point=1.1.3`, { token: staff })).body
  assert.equal(edited.total, 1, JSON.stringify(edited))
  assert.match(edited.items[0].body.stem, /<img src="\/files\/item-images\/[0-9a-f]{64}\.png\?/)
  assert.match(edited.items[0].body.stem, /<span class="math">U=IR<\/span>/)
  assert.deepEqual(edited.items[0].body.answer, ['B'])

  // Where the item is shown (its history), the formula is typeset, not left as TeX.
  await withScreenshotOnFailure(page, 'item-formula-typeset', async () => {
    await page.getByTestId(`item-history-${edited.items[0].id}`).click()
    const formula = page.locator('[data-testid=item-versions] span.math .katex')
    await formula.first().waitFor()
    assert.equal(await formula.first().locator('annotation').textContent(), 'U=IR', 'KaTeX keeps the TeX source')
    assert.ok((await formula.first().locator('.katex-html .mord').count()) >= 3, 'U, I and R typeset as symbols')
    await page.keyboard.press('Escape')
  })

  await withScreenshotOnFailure(page, 'paper-blueprint', async () => {
    await page.goto(`${server.url}/app/staff/papers`)
    await page.getByTestId('paper-blueprint').click()
    await page.getByTestId('bp-name').fill('电工四级理论')
    await page.getByTestId('bp-kp-0').fill('1.1.1')
    await numberInput(page, 'bp-count-0').fill('13')
    await page.getByTestId('bp-score-0').fill('2')
    await page.getByTestId('bp-assemble').click()
    const message = await page.getByTestId('bp-error').innerText()
    assert.match(message, /第 1 格/, message)
    assert.match(message, /单选题/, message)
    assert.match(message, /1\.1\.1/, message)
    assert.match(message, /需要 13 道试题，题库只有 12 道可用/, message)
    assert.match((await page.getByTestId('bp-row-0').getAttribute('class')) ?? '', /\bbad\b/)

    // Two forms of 6 single-choice + 3 true/false each share no item (the bank has 12 + 6).
    await numberInput(page, 'bp-count-0').fill('6')
    await page.getByTestId('bp-add').click()
    await page.getByTestId('bp-type-1').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '判断题' }).click()
    await numberInput(page, 'bp-count-1').fill('3')
    await page.getByTestId('bp-score-1').fill('1')
    await numberInput(page, 'bp-forms').fill('2')
    await page.getByTestId('bp-total').fill('15')
    await page.getByTestId('bp-assemble').click()
    const result = await page.getByTestId('bp-result').innerText()
    assert.match(result, /电工四级理论 A卷/, result)
    assert.match(result, /电工四级理论 B卷/, result)
    assert.match(result, /共用试题 0 道/, result)
    await page.getByTestId('bp-close').click()
  })

  const papers = (await api(server.url, 'GET', '/api/papers', { token: staff })).body
  const formA = papers.find((p) => p.form_label === 'A')
  assert.ok(formA && formA.item_count === 9 && formA.total_score_centi === 1500, JSON.stringify(papers))

  await withScreenshotOnFailure(page, 'paper-lock', async () => {
    await page.getByTestId(`paper-state-${formA.id}`).waitFor()
    assert.equal((await page.getByTestId(`paper-state-${formA.id}`).innerText()).trim(), '草稿')
    await page.getByTestId(`paper-lock-${formA.id}`).click()
    await page.locator('.el-message-box .el-button--primary').click()
    await page.waitForFunction((id) => document.querySelector(`[data-testid="paper-state-${id}"]`)?.textContent?.includes('已锁定'), formA.id)
    assert.equal(await page.getByTestId(`paper-lock-${formA.id}`).count(), 0, 'no lock button on a locked paper')
    await page.getByTestId(`paper-preview-${formA.id}`).click()
    await page.getByTestId('paper-preview').waitFor()
    const keys = await page.getByTestId('answer-key').allInnerTexts()
    assert.equal(keys.length, 9)
    assert.equal(keys.filter((k) => k.includes('B')).length, 6, keys.join(' | '))
    assert.equal(keys.filter((k) => k.includes('错误')).length, 3, keys.join(' | '))
  })
  const after = (await api(server.url, 'PUT', `/api/papers/${formA.id}/items`, { token: staff, body: { items: [] } }))
  assert.equal(after.status, 409, 'a locked paper cannot change')

  // The locked paper goes to the plan's session; its start is the session's.
  await withScreenshotOnFailure(page, 'paper-usage', async () => {
    await page.keyboard.press('Escape')
    await page.getByTestId(`paper-usage-${formA.id}`).click()
    await page.getByTestId('usage-session').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '第一场' }).click()
    await page.getByTestId('usage-add').click()
    await page.getByTestId('usage-table').getByText('2026-12-20T01:00:00.000Z').waitFor()
  })
  const log = (await api(server.url, 'GET', `/api/papers/${formA.id}/usages`, { token: staff })).body
  assert.equal(log.usages.length, 1)
  assert.ok(log.usages[0].exam_session_id > 0, JSON.stringify(log))
  assert.ok(log.accesses.some((a) => a.what === 'preview' && a.username === 'kw.staff'), 'the preview is in the log')

  // The bank page on a phone: no sideways scrolling.
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage()
  const phoneErrors = trackPageErrors(phone)
  await withScreenshotOnFailure(phone, 'bank-phone', async () => {
    await signIn(phone, server.url, 'kw.staff', STAFF_PASSWORD)
    await phone.waitForURL('**/app/staff')
    await phone.goto(`${server.url}/app/staff/bank`)
    await phone.getByTestId('item-table').waitFor()
    await phone.waitForFunction(() => document.querySelectorAll('[data-testid="item-table"] tbody tr').length > 0)
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `the bank page is ${overflow}px wider than the phone`)
    await phone.goto(`${server.url}/app/staff/papers`)
    await phone.getByTestId(`paper-state-${formA.id}`).waitFor()
    const paperOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(paperOverflow <= 0, `the paper library is ${paperOverflow}px wider than the phone`)
  })
  errors.assertNone()
  phoneErrors.assertNone()
})
