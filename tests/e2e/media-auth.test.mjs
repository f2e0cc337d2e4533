// The media server refuses missing, expired, forged, wrong-role and wrong-room tokens.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { startSfu, makeFaceY4m, launchChromium, publish, DEV_KEY } from './media/harness.mjs'

let sfu, y4m, browser

before(async () => {
  y4m = await makeFaceY4m()
  sfu = await startSfu()
  browser = await launchChromium(y4m.file)
})

after(async () => {
  await browser?.close()
  await sfu?.stop()
  await y4m?.cleanup()
})

function sign(claims, key) {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const tag = createHmac('sha256', key).update(body).digest('base64url')
  return `${body}.${tag}`
}

/** A real offer from Chromium, so refusals are about the token and not the SDP. */
async function offer(page) {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection()
    pc.addTransceiver('video', { direction: 'recvonly' })
    const o = await pc.createOffer()
    pc.close()
    return o.sdp
  })
}

async function post(path, token, sdp) {
  const headers = { 'Content-Type': 'application/sdp' }
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(`${sfu.http}/media${path}`, { method: 'POST', headers, body: sdp })
  return res.status
}

test('bad tokens are refused, a good one is accepted', { timeout: 90_000 }, async () => {
  const cam = await publish(browser, sfu, 'room-a', 'candidate:1')
  const sdp = await offer(cam)
  const exp = Math.floor(Date.now() / 1000) + 600
  const viewA = { room: 'room-a', sub: 'invigilator:1', name: 'I', role: 'view', exp }

  assert.equal(await post('/whep/candidate%3A1', null, sdp), 401, 'missing token')
  assert.equal(await post('/whep/candidate%3A1', await sfu.token('room-a', 'invigilator:1', 'view', -5), sdp), 401, 'expired')
  assert.equal(await post('/whep/candidate%3A1', sign(viewA, 'some-other-key-0123456789'), sdp), 401, 'forged signature')
  const good = sign(viewA, DEV_KEY)
  const [body, tag] = good.split('.')
  const edited = Buffer.from(JSON.stringify({ ...viewA, room: 'room-b' })).toString('base64url')
  assert.equal(await post('/whep/candidate%3A1', `${edited}.${tag}`, sdp), 401, 'edited claims')
  assert.equal(await post('/whep/candidate%3A1', sign({ ...viewA, room: 'room-b' }, DEV_KEY), sdp), 404, 'wrong room')
  assert.equal(await post('/whip', sign(viewA, DEV_KEY), sdp), 403, 'view token cannot publish')
  assert.equal(await post('/wall', sign(viewA, DEV_KEY), sdp), 403, 'view token cannot open the wall')
  assert.equal(await post('/whep/candidate%3A1', `${body}.${tag}`, sdp), 201, 'valid token accepted')
})
