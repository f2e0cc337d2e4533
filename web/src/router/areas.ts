// The pages of each role's area: one table drives both the routes and the side menu, so a
// menu entry can never point at a page its role may not open.
import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'
import {
  Avatar,
  Calendar,
  Collection,
  DataAnalysis,
  Document,
  EditPen,
  Film,
  Files,
  HomeFilled,
  Histogram,
  List,
  Monitor,
  OfficeBuilding,
  Tickets,
  Trophy,
  User,
  VideoCamera,
  View,
  DocumentAdd,
  Location,
  Postcard,
} from '@element-plus/icons-vue'
import type { Role } from '@/api'
import type { MessageSchema } from '@/i18n/zh-CN'

type Lazy = () => Promise<RouteComponent | { default: RouteComponent }>

export interface AreaPage {
  /** Path below the role's area, '' for its home. */
  path: string
  /** Key under `menu` in the i18n files. */
  title: keyof MessageSchema['menu']
  icon: Component
  /** Absent: a module planned for a later release (shows the "coming later" page). */
  component?: Lazy
}

const comingSoon: Lazy = () => import('@/components/ComingSoonPage.vue')
const orgEditor: Lazy = () => import('@/views/staff/OrgProfileView.vue')
// Read by every overseeing role (admin, staff, supervisor, province), as the API allows.
const auditLog: Lazy = () => import('@/views/admin/AuditLogView.vue')
// The live wall, for every role that watches candidates' cameras.
const liveWall: Lazy = () => import('@/views/invigilator/LiveWallView.vue')
// Sessions at a glance: all of them for staff, an invigilator's own duties.
const sessionsOverview: Lazy = () => import('@/views/staff/SessionsOverviewView.vue')
// Recordings with their player, for staff, supervisors and invigilators (their sessions).
const recordings: Lazy = () => import('@/views/staff/RecordingsView.vue')
// Face check-in reviews, re-check alerts and timelines, for invigilators and staff.
const faceReview: Lazy = () => import('@/views/invigilator/FaceReviewView.vue')
// Room cameras: staff manage them, invigilators and supervisors see their status.
const roomCameras: Lazy = () => import('@/views/staff/CamerasView.vue')

export const AREAS: Record<Role, AreaPage[]> = {
  admin: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/admin/HomeView.vue') },
    { path: 'users', title: 'users', icon: User, component: () => import('@/views/admin/UsersView.vue') },
    { path: 'org', title: 'org', icon: OfficeBuilding, component: orgEditor },
    { path: 'audit', title: 'audit', icon: List, component: auditLog },
  ],
  staff: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/staff/HomeView.vue') },
    { path: 'org', title: 'org', icon: OfficeBuilding, component: orgEditor },
    { path: 'registration', title: 'registration', icon: Tickets, component: () => import('@/views/staff/RegistrationReviewView.vue') },
    { path: 'plans', title: 'plans', icon: Files, component: () => import('@/views/staff/PlansView.vue') },
    { path: 'sites', title: 'sites', icon: Location, component: () => import('@/views/staff/SitesView.vue') },
    { path: 'candidates', title: 'candidateRecord', icon: Postcard, component: () => import('@/views/staff/CandidateRecordView.vue') },
    { path: 'arrangement', title: 'arrangement', icon: Calendar, component: sessionsOverview },
    { path: 'bank', title: 'bank', icon: Collection, component: () => import('@/views/staff/BankView.vue') },
    { path: 'papers', title: 'papers', icon: Files, component: () => import('@/views/staff/PaperView.vue') },
    { path: 'live', title: 'live', icon: Monitor, component: liveWall },
    { path: 'audit', title: 'audit', icon: List, component: auditLog },
    { path: 'recordings', title: 'recordings', icon: Film, component: recordings },
    { path: 'face', title: 'faceReview', icon: Avatar, component: faceReview },
    { path: 'cameras', title: 'cameras', icon: VideoCamera, component: roomCameras },
  ],
  examiner: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/examiner/HomeView.vue') },
    { path: 'scoring', title: 'scoring', icon: EditPen },
    { path: 'face-check-in', title: 'faceCheckIn', icon: VideoCamera, component: () => import('@/views/examiner/FaceCheckInView.vue') },
  ],
  invigilator: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/invigilator/HomeView.vue') },
    { path: 'rooms', title: 'rooms', icon: Calendar, component: sessionsOverview },
    { path: 'live', title: 'live', icon: Monitor, component: liveWall },
    { path: 'recordings', title: 'recordings', icon: Film, component: recordings },
    { path: 'face', title: 'faceReview', icon: Avatar, component: faceReview },
    { path: 'cameras', title: 'cameras', icon: VideoCamera, component: roomCameras },
  ],
  supervisor: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/supervisor/HomeView.vue') },
    { path: 'patrol', title: 'patrol', icon: View, component: liveWall },
    { path: 'audit', title: 'audit', icon: List, component: auditLog },
    { path: 'cameras', title: 'cameras', icon: VideoCamera, component: roomCameras },
    { path: 'recordings', title: 'recordings', icon: Film, component: recordings },
  ],
  candidate: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/candidate/HomeView.vue') },
    { path: 'camera-check', title: 'cameraCheck', icon: VideoCamera, component: () => import('@/views/candidate/CameraCheckView.vue') },
    { path: 'exams', title: 'myExams', icon: Document, component: () => import('@/views/candidate/MyExamsView.vue') },
    { path: 'register', title: 'registerAgain', icon: DocumentAdd, component: () => import('@/views/candidate/RegisterAgainView.vue') },
    { path: 'results', title: 'myResults', icon: Trophy },
  ],
  province: [
    { path: '', title: 'home', icon: HomeFilled, component: () => import('@/views/province/HomeView.vue') },
    { path: 'supervision', title: 'supervision', icon: DataAnalysis },
    { path: 'statistics', title: 'statistics', icon: Histogram },
    { path: 'audit', title: 'audit', icon: List, component: auditLog },
  ],
}

export function areaPath(role: Role, page: AreaPage): string {
  return page.path ? `/${role}/${page.path}` : `/${role}`
}

export function routeName(role: Role, page: AreaPage): string {
  return `${role}.${page.path || 'home'}`
}

export { comingSoon }
