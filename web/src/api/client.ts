// The one HTTP client every view goes through: it adds the session token, turns every
// failure into an ApiError carrying the server's structured body, and routes the two
// session-level failures (401, 403 password_change_required) to the hooks the app installs.
import type { ApiErrorBody } from './types'

const TOKEN_KEY = 'proctor.token'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly messages: { zh: string; en: string }
  readonly field: string | null

  constructor(status: number, body: ApiErrorBody) {
    super(body.message.en)
    this.status = status
    this.code = body.code
    this.messages = body.message
    this.field = body.field
  }

  /** The server's message in the given UI locale. */
  localized(locale: string): string {
    return locale.startsWith('zh') ? this.messages.zh : this.messages.en
  }
}

export interface ApiHooks {
  onUnauthorized: () => void
  onPasswordChangeRequired: () => void
}

let hooks: ApiHooks = { onUnauthorized: () => {}, onPasswordChangeRequired: () => {} }

export function installApiHooks(h: ApiHooks): void {
  hooks = h
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

function isErrorBody(v: unknown): v is ApiErrorBody {
  if (typeof v !== 'object' || v === null) return false
  const o = v as Record<string, unknown>
  const m = o.message as Record<string, unknown> | undefined
  return typeof o.code === 'string' && typeof m === 'object' && m !== null && typeof m.zh === 'string'
}

/** A failure that did not come with the structured body (proxy error, network down). */
function transportError(status: number): ApiError {
  return new ApiError(status, {
    code: status === 0 ? 'network_error' : 'unexpected_response',
    message:
      status === 0
        ? { zh: '无法连接服务器，请检查网络后重试。', en: 'Cannot reach the server. Check the network and try again.' }
        : { zh: `服务器返回了意外的响应（${status}）。`, en: `The server returned an unexpected response (${status}).` },
    field: null,
  })
}

export interface RequestOptions {
  /** Do not run the 401 hook (the login call reports bad credentials as 401 itself). */
  skipAuthHook?: boolean
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'

  let res: Response
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  } catch {
    throw transportError(0)
  }

  if (res.status === 204) return undefined as T
  const text = await res.text()
  let parsed: unknown = undefined
  if (text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      throw transportError(res.status)
    }
  }
  if (res.ok) return parsed as T

  const err = isErrorBody(parsed) ? new ApiError(res.status, parsed) : transportError(res.status)
  if (res.status === 401 && !opts.skipAuthHook) {
    setToken(null)
    hooks.onUnauthorized()
  } else if (res.status === 403 && err.code === 'password_change_required') {
    hooks.onPasswordChangeRequired()
  }
  throw err
}
