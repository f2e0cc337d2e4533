// The organisation's public profile, shown in the shell header and edited by staff.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { orgApi, type OrgProfile } from '@/api'

export const useOrgStore = defineStore('org', () => {
  const profile = ref<OrgProfile | null>(null)

  async function refresh(): Promise<OrgProfile> {
    profile.value = await orgApi.get()
    return profile.value
  }

  function set(p: OrgProfile): void {
    profile.value = p
  }

  return { profile, refresh, set }
})
