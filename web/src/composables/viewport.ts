// Width classes of the layout: phone (< 768 px) gets a drawer menu, tablet (< 1200 px) a
// collapsed side menu, PC the full side menu.
import { onBeforeUnmount, onMounted, ref, computed } from 'vue'

export const PHONE_MAX = 767
export const TABLET_MAX = 1199

export function useViewport() {
  const width = ref(window.innerWidth)
  const onResize = () => {
    width.value = window.innerWidth
  }
  onMounted(() => window.addEventListener('resize', onResize))
  onBeforeUnmount(() => window.removeEventListener('resize', onResize))
  return {
    width,
    isPhone: computed(() => width.value <= PHONE_MAX),
    isTablet: computed(() => width.value > PHONE_MAX && width.value <= TABLET_MAX),
  }
}
