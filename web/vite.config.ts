import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The API server's /api/docs page loads the OpenAPI viewer from /app/swagger/, so the
// viewer's two files ship inside the SPA build instead of being fetched from a CDN
// (the platform must work on an exam-site LAN without internet).
function swaggerAssets(): Plugin {
  const require = createRequire(import.meta.url)
  const dir = dirname(require.resolve('swagger-ui-dist/package.json'))
  return {
    name: 'proctor-swagger-assets',
    apply: 'build',
    generateBundle() {
      for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
        this.emitFile({ type: 'asset', fileName: `swagger/${file}`, source: readFileSync(join(dir, file)) })
      }
    },
  }
}

// `npm run dev` proxies the API to a locally running `proctor serve`.
const apiTarget = process.env.PROCTOR_DEV_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/app/',
  plugins: [
    vue(),
    Components({
      dts: 'src/components.d.ts',
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
    }),
    swaggerAssets(),
  ],
  resolve: { alias: { '@': join(import.meta.dirname, 'src') } },
  // vue-i18n's build flags: composition API only, no devtools hooks in production.
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: {
      '/api': apiTarget,
    },
  },
  build: {
    chunkSizeWarningLimit: 1200,
  },
})
