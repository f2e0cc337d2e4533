// Routes: public pages (sign-in, errors), the forced password change, and one area per role
// inside the shell. The guard enforces sign-in, the forced password change and the role.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ROLES, type Role } from '@/api'
import { useSessionStore } from '@/stores/session'
import type { MessageSchema } from '@/i18n/zh-CN'
import { AREAS, areaPath, comingSoon, routeName } from './areas'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** Roles that may open the page; absent means any signed-in user. */
    roles?: Role[]
    title?: keyof MessageSchema['menu']
  }
}

const areaRoutes: RouteRecordRaw[] = ROLES.flatMap((role) =>
  AREAS[role].map((page) => ({
    path: areaPath(role, page),
    name: routeName(role, page),
    component: page.component ?? comingSoon,
    meta: { roles: [role], title: page.title },
  })),
)

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/public/LoginView.vue'), meta: { public: true } },
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('@/views/public/ChangePasswordView.vue'),
  },
  {
    path: '/',
    component: () => import('@/layouts/AppShell.vue'),
    children: [
      { path: '', name: 'home', redirect: () => homePath(useSessionStore().user?.role) },
      ...areaRoutes,
      { path: 'forbidden', name: 'forbidden', component: () => import('@/views/public/ForbiddenView.vue') },
    ],
  },
  {
    path: '/:rest(.*)*',
    name: 'not-found',
    component: () => import('@/views/public/NotFoundView.vue'),
    meta: { public: true },
  },
]

export function homePath(role: Role | undefined): string {
  return role ? `/${role}` : '/login'
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  try {
    await session.ensureLoaded()
  } catch {
    // Server unreachable: let the page render; its own calls will show the error.
  }
  if (to.meta.public) {
    if (to.name === 'login' && session.user) return homePath(session.user.role)
    return true
  }
  if (!session.user) return { name: 'login', query: { redirect: to.fullPath } }
  if (session.user.must_change_password && to.name !== 'change-password') return { name: 'change-password' }
  if (to.meta.roles && !to.meta.roles.includes(session.user.role)) return { name: 'forbidden' }
  return true
})
