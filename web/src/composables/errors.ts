// Turns any thrown value into text in the current UI language, and server field errors
// into per-field messages for el-form-item's `error` prop.
import { reactive } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api'
import { currentLocale, i18n } from '@/i18n'

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.localized(currentLocale())
  return i18n.global.t('common.unknownError')
}

export function showError(e: unknown): void {
  ElMessage.error({ message: errorText(e), showClose: true, duration: 5000 })
}

/** Server-reported errors by field name; fields not on the form fall back to a toast. */
export function useFieldErrors<K extends string>(fields: readonly K[]) {
  const errors = reactive<Record<string, string>>({}) as Record<K, string>
  const clear = () => {
    for (const f of fields) errors[f] = ''
  }
  clear()
  /** Returns true when the error was shown next to a field. */
  const apply = (e: unknown): boolean => {
    clear()
    if (e instanceof ApiError && e.field && (fields as readonly string[]).includes(e.field)) {
      errors[e.field as K] = e.localized(currentLocale())
      return true
    }
    showError(e)
    return false
  }
  return { errors, clear, apply }
}
