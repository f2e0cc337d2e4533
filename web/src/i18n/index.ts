// vue-i18n set-up: zh-CN by default, English on request; the choice is remembered.
import type { Ref } from 'vue'
import { createI18n } from 'vue-i18n'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

export type Locale = 'zh-CN' | 'en'
export const LOCALES: { value: Locale; label: string }[] = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
]

const LOCALE_KEY = 'proctor.locale'

function initialLocale(): Locale {
  const saved = localStorage.getItem(LOCALE_KEY)
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], Locale>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

// In composition mode the global locale is a ref, which the typings do not show.
const localeRef = i18n.global.locale as unknown as Ref<Locale>

export function currentLocale(): Locale {
  return localeRef.value
}

export function setLocale(locale: Locale): void {
  localeRef.value = locale
  localStorage.setItem(LOCALE_KEY, locale)
  document.documentElement.lang = locale
  document.title = i18n.global.t('app.title')
}
