// The baseline of the benchmark: a bare Fastify hello-world on the same machine, in its own process.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/*', async () => ({ hello: 'world' }))
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) })
process.send?.('ready')
