// Who is signed in. The token lives in localStorage (via the API client); the user is
// re-read from /api/auth/me on start so a revoked or expired token is noticed at once.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, authApi, getToken, setToken, type SessionResponse, type SessionUser } from '@/api'

export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null)
  const loaded = ref(false)

  const isSignedIn = computed(() => user.value !== null)
  const mustChangePassword = computed(() => user.value?.must_change_password === true)

  function adopt(session: SessionResponse): void {
    setToken(session.token)
    user.value = session.user
  }

  /** Loads the user behind a stored token once; later calls are free. */
  async function ensureLoaded(): Promise<void> {
    if (loaded.value) return
    loaded.value = true
    if (!getToken()) return
    try {
      user.value = await authApi.me()
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        forget()
      } else {
        // Keep the token on a network failure; the next call will tell.
        loaded.value = false
        throw e
      }
    }
  }

  async function login(username: string, password: string): Promise<SessionUser> {
    const session = await authApi.login({ username, password })
    adopt(session)
    loaded.value = true
    return session.user
  }

  async function changePassword(current: string, next: string): Promise<SessionUser> {
    const session = await authApi.changePassword({ current_password: current, new_password: next })
    adopt(session)
    return session.user
  }

  async function logout(): Promise<void> {
    try {
      if (getToken()) await authApi.logout()
    } catch {
      // Signing out locally must work even when the server cannot be reached.
    }
    forget()
  }

  function forget(): void {
    setToken(null)
    user.value = null
  }

  return { user, loaded, isSignedIn, mustChangePassword, ensureLoaded, login, changePassword, logout, forget }
})
