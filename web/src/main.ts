import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './styles/main.css'
import App from './App.vue'
import { i18n, setLocale, currentLocale } from './i18n'
import { router } from './router'
import { installApiHooks } from './api'
import { useSessionStore } from './stores/session'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

installApiHooks({
  onUnauthorized() {
    const session = useSessionStore(pinia)
    session.forget()
    const here = router.currentRoute.value
    if (here.name !== 'login') {
      void router.push({ name: 'login', query: { expired: '1', redirect: here.fullPath } })
    }
  },
  onPasswordChangeRequired() {
    const session = useSessionStore(pinia)
    if (session.user) session.user.must_change_password = true
    void router.push({ name: 'change-password' })
  },
})

setLocale(currentLocale())
app.mount('#app')
