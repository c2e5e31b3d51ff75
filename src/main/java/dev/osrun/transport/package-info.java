/**
 * What the two protocol clients ({@code dev.osrun.qmp}, {@code dev.osrun.qga}) share: {@link
 * dev.osrun.transport.JsonSocket} (a unix socket, one reader thread, bounded writes) with its framer that splits
 * the byte stream into JSON objects, {@link dev.osrun.transport.JsonRedactor} for wire logs, {@link
 * dev.osrun.transport.Backoff} for bounded polling, and the exceptions both clients throw: {@link
 * dev.osrun.transport.ProtocolException} and its kinds (connect, closed, timeout, command error, bad message), which
 * each client extends under its own names. Internal to osrun: not part of its API.
 */
package dev.osrun.transport;
