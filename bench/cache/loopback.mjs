// Preloaded (node --import) into the http-cache-tests origin server: its
// server.listen(port) binds every interface; this binds 127.0.0.1 instead,
// so the suite's traffic stays on loopback. Nothing else is changed.
import net from 'net'

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (args.length >= 1 && typeof args[0] !== 'object' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}
