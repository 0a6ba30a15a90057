'use strict';
// Preloaded (`node --require`) before a sensitive model's monitor program runs; see registry/monitor.py.
//
// Node 24's permission model (--permission) already stops file access outside the granted files, child
// processes, workers, addons, WASI, the inspector and process.binding. It has no network permission (that came
// in Node 25), and it does not cover Unix-domain sockets, node:sqlite (disabled on the command line instead) or
// signals to other processes. This guard is the policy for those:
//
// - Outbound TCP only to the hosts (and ports) an admin allowed, passed in REGISTRY_MONITOR_ALLOW as JSON
//   [{"host": "audit.example", "port": 443 | null}] and removed from the environment before user code runs.
// - Enforced twice. net.Socket#connect refuses a host:port outside the list and forces this guard's DNS lookup.
//   Then the native handle methods every TCP connection goes through (TCP#connect/connect6) accept only IP
//   addresses that this guard's own lookup returned for an allowed host (or allowed IP literals). A program that
//   reaches a raw handle, or passes its own `lookup`, still cannot connect anywhere else.
// - No listening sockets, no UDP, no Unix-domain sockets, no DNS queries except lookups of allowed hosts
//   (c-ares resolvers and custom DNS servers refused): DNS names are an exfiltration channel of their own.
// - No signals to other processes (process.kill), no priority changes of other processes.
//
// Every replaced method is defined non-writable and non-configurable, and the originals live only in this
// closure, so user code cannot restore them. What this does not do: it cannot stop a program from using an
// allowed host as a relay, nor from sending what it read (the model name, user names, the zip) to an allowed
// host; and it relies on Node keeping its native handles behind these JavaScript methods.
(function installGuard() {
  const net = require('node:net');
  const dns = require('node:dns');
  const dgram = require('node:dgram');
  const os = require('node:os');

  const CONFIG = 'REGISTRY_MONITOR_ALLOW';
  const UV_EACCES = -os.constants.errno.EACCES;
  const normalise = (host) => String(host).toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const rules = JSON.parse(process.env[CONFIG] || '[]').map((rule) => ({
    host: normalise(rule.host), port: rule.port == null ? null : Number(rule.port),
  }));
  delete process.env[CONFIG];
  const described = rules.map((r) => (r.port === null ? r.host : `${r.host}:${r.port}`)).join(', ') || 'none';
  const approved = new Map(); // IP address -> Set of ports ('*': any)

  const rulesFor = (host) => rules.filter((rule) => rule.host === normalise(host));
  const allows = (host, port) => rulesFor(host).some((rule) => rule.port === null || rule.port === Number(port));
  const approve = (address, rule) => {
    const key = normalise(address);
    if (!approved.has(key)) approved.set(key, new Set());
    approved.get(key).add(rule.port === null ? '*' : rule.port);
  };
  const isApproved = (address, port) => {
    const ports = approved.get(normalise(address));
    return Boolean(ports) && (ports.has('*') || ports.has(Number(port)));
  };
  const denied = (what) => {
    const error = new Error(`${what} is not allowed: monitors may reach only ${described}`);
    error.code = 'ERR_ACCESS_DENIED';
    return error;
  };
  const lock = (target, name, value) => {
    Object.defineProperty(target, name, { value, writable: false, configurable: false, enumerable: false });
  };
  const refuse = (what) => function refused() { throw denied(what); };

  for (const rule of rules) if (net.isIP(rule.host)) approve(rule.host, rule);

  // DNS: lookups (getaddrinfo) only of allowed names; their answers become the approved addresses.
  const originalLookup = dns.lookup;
  const originalPromisesLookup = dns.promises.lookup;
  const record = (hostname, answer) => {
    const addresses = Array.isArray(answer) ? answer.map((entry) => entry.address) : [answer];
    for (const rule of rulesFor(hostname)) for (const address of addresses) approve(address, rule);
  };
  function lookup(hostname, options, callback) {
    const done = typeof options === 'function' ? options : callback;
    const settings = typeof options === 'function' ? {} : options;
    if (rulesFor(hostname).length === 0) {
      process.nextTick(done, denied(`looking up ${hostname}`));
      return {};
    }
    return Reflect.apply(originalLookup, dns, [hostname, settings, (error, address, family) => {
      if (!error) record(hostname, address);
      done(error, address, family);
    }]);
  }
  async function promisesLookup(hostname, options) {
    if (rulesFor(hostname).length === 0) throw denied(`looking up ${hostname}`);
    const answer = await Reflect.apply(originalPromisesLookup, dns.promises, [hostname, options]);
    record(hostname, Array.isArray(answer) ? answer : answer.address);
    return answer;
  }
  lock(dns, 'lookup', lookup);
  lock(dns.promises, 'lookup', promisesLookup);
  for (const api of [dns, dns.promises]) {
    for (const name of Object.keys(api)) {
      if (/^(resolve|reverse|lookupService|setServers)/.test(name)) lock(api, name, refuse(`DNS ${name}`));
    }
  }
  const channel = Object.getPrototypeOf(new dns.Resolver()._handle);
  for (const name of Object.getOwnPropertyNames(channel)) {
    if (/^(query|getHostByAddr|setServers|setLocalAddress)/.test(name)) lock(channel, name, refuse(`DNS ${name}`));
  }

  // Native handles, taken from throwaway instances before any user code exists.
  const probe = new net.Socket();
  probe.connect({ host: 'guard.invalid', port: 9, lookup() {} }); // creates a TCP handle; the lookup never answers
  const tcp = Object.getPrototypeOf(probe._handle);
  probe.destroy();
  const tcpConnect = tcp.connect;
  const tcpConnect6 = tcp.connect6;
  lock(tcp, 'connect', function connect(request, address, port) {
    return isApproved(address, port) ? Reflect.apply(tcpConnect, this, arguments) : UV_EACCES;
  });
  lock(tcp, 'connect6', function connect6(request, address, port) {
    return isApproved(address, port) ? Reflect.apply(tcpConnect6, this, arguments) : UV_EACCES;
  });
  for (const name of ['bind', 'bind6', 'listen', 'open']) lock(tcp, name, () => UV_EACCES);

  const udpSocket = dgram.createSocket('udp4');
  const state = udpSocket[Object.getOwnPropertySymbols(udpSocket).find((s) => s.description === 'state symbol')];
  const udp = Object.getPrototypeOf(state.handle);
  udpSocket.close();
  for (const name of ['bind', 'bind6', 'connect', 'connect6', 'send', 'send6', 'open']) lock(udp, name, () => UV_EACCES);

  // stdout and stderr are pipes to the registry: create both streams now, then close the Pipe class to new uses.
  const pipeHandle = [process.stdout, process.stderr].map((stream) => stream._handle).find(
    (handle) => handle && handle.constructor.name === 'Pipe');
  if (!pipeHandle) throw new Error('the monitor guard expects stdout or stderr to be a pipe');
  const pipe = Object.getPrototypeOf(pipeHandle);
  for (const name of ['bind', 'listen', 'connect', 'open']) lock(pipe, name, () => UV_EACCES);

  // Sockets: check host:port, refuse local sockets, and make the connection resolve through the guard.
  const originalConnect = net.Socket.prototype.connect;
  const normalizeArgs = net._normalizeArgs;
  lock(net.Socket.prototype, 'connect', function connect(...args) {
    // net.connect() hands over its already-normalised [options, callback]; direct calls pass raw arguments.
    const [given, callback] = Array.isArray(args[0]) ? args[0] : normalizeArgs(args);
    const options = { ...given }; // read each option once: getters cannot answer differently later
    if (options.path != null) {
      process.nextTick(() => this.destroy(denied(`connecting to the local socket ${options.path}`)));
      return this;
    }
    const host = options.host == null ? 'localhost' : String(options.host);
    if (!allows(host, options.port)) {
      process.nextTick(() => this.destroy(denied(`connecting to ${host}:${options.port}`)));
      return this;
    }
    const safe = { ...options, host, path: undefined, lookup };
    return Reflect.apply(originalConnect, this, callback ? [safe, callback] : [safe]);
  });

  lock(process, 'kill', refuse('sending signals'));
  lock(process, '_kill', refuse('sending signals'));
  lock(process, '_debugProcess', refuse('opening another process\'s debugger'));
  lock(os, 'setPriority', refuse('changing process priorities'));
})();
