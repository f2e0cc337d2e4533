// With 5% of RTP/RTCP datagrams dropped each way between the browsers and the SFU,
// video keeps decoding and the loss is repaired by NACK/RTX (retransmissions counted).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startSfu, makeFaceY4m, launchChromium, waitFor, publish, lossyRelay } from './media/harness.mjs'

let sfu, y4m, camBrowser, viewBrowser, relay

before(async () => {
  y4m = await makeFaceY4m()
  relay = await lossyRelay(0.05)
  sfu = await startSfu({ publicAddr: `127.0.0.1:${relay.port}` })
  relay.setTarget(sfu.udp_local)
  camBrowser = await launchChromium(y4m.file)
  viewBrowser = await launchChromium()
})

after(async () => {
  await camBrowser?.close()
  await viewBrowser?.close()
  await sfu?.stop()
  relay?.close()
  await y4m?.cleanup()
})

test('video keeps decoding through 5% loss with retransmissions', { timeout: 120_000 }, async () => {
  const room = 'lossy-room'
  const cam = await publish(camBrowser, sfu, room, 'candidate:9')
  const viewer = await viewBrowser.newPage()
  const token = await sfu.token(room, 'invigilator:1', 'view')
  await viewer.goto(`${sfu.http}/viewer.html?participant=candidate%3A9&token=${encodeURIComponent(token)}`)
  const video = async () => Object.values(await viewer.evaluate(() => window.videoStats()))[0]
  await waitFor(async () => (await video())?.framesDecoded > 10, 30_000, 'first frames through the lossy path')

  // Sample for 12 s: decoding never stalls for two seconds.
  let last = (await video()).framesDecoded
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 2000))
    const now = (await video()).framesDecoded
    assert.ok(now > last, `decoding stalled in window ${i}: ${last} -> ${now}`)
    last = now
  }
  const v = await video()
  const sent = await cam.evaluate(async () => {
    let rtx = 0
    ;(await window.whip.pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') rtx += s.retransmittedPacketsSent ?? 0
    })
    return rtx
  })
  console.log(`relay ${JSON.stringify(relay.stats)}; viewer nacks ${v.nackCount}, rtx received ${v.retransmittedPacketsReceived}; publisher rtx sent ${sent}`)
  assert.ok(relay.stats.dropped > 20, 'the relay really dropped packets')
  assert.ok(v.nackCount > 0, 'viewer sent NACKs to the SFU')
  assert.ok(v.retransmittedPacketsReceived > 0, 'SFU retransmitted to the viewer')
  assert.ok(sent > 0, 'publisher retransmitted on the SFU\'s NACKs')
})
