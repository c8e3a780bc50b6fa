// Watch streams: newline-delimited JSON events over a chunked 200 response, replaying from a
// resourceVersion (or a synthetic ADDED snapshot), live events, periodic bookmarks, timeoutSeconds,
// and the 410 Expired ERROR event. Also the hooks fault injection uses to drop or stall streams.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileSelector, objectMatches, Registry, storedWireJson } from './registry.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { Selector } from './selectors.js';
import { errors, statusAsJson } from './status.js';
import type { StoredEvent } from './store.js';
import { parseBool } from './requestinfo.js';
import { baseHeaders } from './respond.js';
import type { JsonObject, KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchSettings {
  /** How often streams with allowWatchBookmarks get a BOOKMARK (the real server: about a minute; tests shorten it). */
  bookmarkIntervalMs: number;
  /** Used when the client sends no timeoutSeconds (the real server: 30-60 minutes). */
  defaultTimeoutSeconds: number;
}

/** What fault injection needs from the watch layer. */
export interface WatchControl {
  /** Ends every open stream (cleanly, or by destroying the socket); returns how many. */
  dropAll(abrupt: boolean): number;
  /** Stalls streams: nothing (not even bookmarks) is written until revived. */
  stall(includeNew: boolean): number;
  /** Un-stalls streams, delivering what they missed unless told to discard it. */
  revive(discardMissed: boolean): number;
  openCount(): number;
  /** What each open stream has done so far, in the order the streams were opened. */
  stats(): WatchStreamStats[];
}

/**
 * Counters of one open stream. A client reads what was written asynchronously, so a test that needs to know
 * what is still in flight compares its own count with `sent` instead of sampling its own count and hoping.
 */
export interface WatchStreamStats {
  /** Events written to the connection (bookmarks and ERROR included; one line each). */
  sent: number;
  stalled: boolean;
  /** Events held back while stalled (delivered on revive unless discarded). */
  held: number;
  /** Bookmark ticks that passed while stalled, sending nothing. */
  silentBookmarks: number;
}

const SLOW_CONSUMER_BYTES = 64 * 1024 * 1024;
/**
 * The watch cache gives each watcher a small buffer (10 events for a cluster-wide watch) and, when one cannot take an
 * event, waits at most its share of a 100 ms budget, then closes that watcher (k8s.io/apiserver
 * pkg/storage/cacher/cacher.go dispatchEvent -> cacheWatcher.add -> forget; time_budget.go maxBudget): a client whose
 * event loop stalls in a burst is dropped and resumes from its resourceVersion. Here a response never blocks, so
 * "cannot take an event" is: the socket took no more (write() asked to wait) and has not drained for this long.
 */
const SLOW_CONSUMER_MS = 100;

class WatchStream {
  stalled = false;
  sent = 0;
  silentBookmarks = 0;
  private endPending = false;
  private closed = false;
  /** Since when the socket has been backed up (write() asked to wait, no 'drain' since, counted from the next turn). */
  private blockedSince: number | undefined;
  private blocked = false;
  /** Corked until the end of this turn of the event loop (see writeLine). */
  private corked = false;
  private readonly missed: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  unsubscribe: () => void = () => {};

  constructor(
    readonly res: ServerResponse,
    private readonly onClose: (s: WatchStream) => void,
  ) {
    res.on('close', () => this.cleanup());
    res.on('drain', () => {
      this.blocked = false;
      this.blockedSince = undefined;
    });
  }

  write(type: WatchEventType, object: JsonObject): void {
    this.writeLine(`${JSON.stringify({ type, object })}\n`);
  }

  /** Writes a pre-serialised event line (shared between streams watching the same event). */
  writeLine(line: string): void {
    if (this.closed) return;
    if (this.stalled) {
      this.missed.push(line);
      return;
    }
    // Like the watch cache, give up on a consumer that stopped reading instead of buffering forever: what was
    // written still reaches it, then the end.
    if (this.res.writableLength > SLOW_CONSUMER_BYTES || (this.blockedSince !== undefined && Date.now() - this.blockedSince > SLOW_CONSUMER_MS)) {
      this.end();
      return;
    }
    this.sent++;
    // Events committed in the same turn (a burst of writes from several clients, a deletecollection, a replay) leave
    // in one socket write, not one each: the real server's watch handler likewise flushes only once its queue is
    // empty (kubernetes/apiserver pkg/endpoints/handlers/watch.go at 24b9d887, HandleHTTP: `if len(ch) == 0 {
    // flusher.Flush() }`). Each event is still its own chunk; only the number of write syscalls changes.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(() => {
        this.corked = false;
        // An ended stream was fully uncorked by res.end() (and its socket may serve another request by now).
        if (!this.closed) this.res.uncork();
      });
    }
    if (!this.res.write(line) && !this.blocked) {
      this.blocked = true;
      // The clock starts once this process has had a turn to flush (a burst of writes from one synchronous loop, or
      // a replay, is this side's pace, not the client's).
      setImmediate(() => {
        if (this.blocked) this.blockedSince ??= Date.now();
      });
    }
  }

  get held(): number {
    return this.missed.length;
  }

  addTimer(t: NodeJS.Timeout): void {
    t.unref();
    this.timers.push(t);
  }

  /** A server-initiated end (timeout, expiry): deferred while stalled, since a dead stream sends nothing, not even its end. */
  finish(): void {
    if (this.stalled) this.endPending = true;
    else this.end();
  }

  revive(discardMissed: boolean): void {
    this.stalled = false;
    const lines = this.missed.splice(0);
    if (!discardMissed && !this.closed) {
      for (const l of lines) this.res.write(l);
      this.sent += lines.length;
    }
    if (this.endPending) this.end();
  }

  end(): void {
    if (this.closed) return;
    this.cleanup();
    this.res.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.cleanup();
    // What this turn wrote is handed to the socket first, as it was before the writes were coalesced.
    if (this.corked) this.res.uncork();
    this.res.destroy();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.unsubscribe();
    this.onClose(this);
  }
}

function parseTimeout(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid value for timeoutSeconds: ${v}`);
  return n;
}

export class WatchHub implements WatchControl {
  private readonly streams = new Set<WatchStream>();
  /** group/version/resource each stream watches, so a resource that stops being served can end its watches. */
  private readonly resourceOf = new WeakMap<WatchStream, string>();
  private readonly lines = new WeakMap<StoredEvent, Map<WatchEventType, string>>();
  private stallNew = false;

  constructor(
    private readonly registry: Registry,
    private readonly settings: WatchSettings,
  ) {}

  openCount(): number {
    return this.streams.size;
  }

  stats(): WatchStreamStats[] {
    return [...this.streams].map((s) => ({ sent: s.sent, stalled: s.stalled, held: s.held, silentBookmarks: s.silentBookmarks }));
  }

  /**
   * Serves one watch. Parameter errors throw before any byte is written (→ a normal error
   * response); after that, problems are reported in-band as ERROR events like the real server.
   */
  serve(req: IncomingMessage, res: ServerResponse, rt: ResourceType, namespace: string | undefined, params: URLSearchParams, pinnedName?: string): void {
    let fieldSelector = params.get('fieldSelector') ?? '';
    if (pinnedName !== undefined) fieldSelector = fieldSelector ? `${fieldSelector},metadata.name=${pinnedName}` : `metadata.name=${pinnedName}`;
    const sel: Selector = compileSelector(rt, params.get('labelSelector') ?? '', fieldSelector);
    const rvParam = params.get('resourceVersion') ?? '';
    let fromRv: number | undefined;
    if (rvParam !== '' && rvParam !== '0') {
      if (!/^\d+$/.test(rvParam)) throw errors.badRequest(`invalid resource version: strconv.ParseUint: parsing "${rvParam}": invalid syntax`);
      fromRv = Number(rvParam);
    }
    const bookmarks = parseBool(params.get('allowWatchBookmarks'));
    const timeoutSeconds = parseTimeout(params.get('timeoutSeconds')) ?? this.settings.defaultTimeoutSeconds;
    const initialEventsEnd = parseBool(params.get('sendInitialEvents')) && bookmarks && fromRv === undefined;

    res.writeHead(200, { ...baseHeaders('application/json'), 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    req.socket.setNoDelay(true);

    const stream = new WatchStream(res, (s) => this.streams.delete(s));
    this.streams.add(stream);
    this.resourceOf.set(stream, gvr(rt));
    if (this.stallNew) stream.stalled = true;
    const emit = (ev: StoredEvent): void => {
      const type = Registry.visibleType(rt, ev, namespace, sel);
      if (type) stream.writeLine(this.lineFor(rt, ev, type));
    };

    if (fromRv !== undefined) {
      const since = this.registry.store.since(rt, fromRv);
      if ('expired' in since) {
        const status = errors.expired(`too old resource version: ${fromRv} (${since.oldest})`).status;
        stream.write('ERROR', statusAsJson(status));
        stream.finish();
        return;
      }
      for (const ev of since.events) emit(ev);
    } else {
      for (const e of this.registry.store.list(rt, namespace)) {
        if (objectMatches(rt, sel, e.object)) stream.writeLine(addedLine(storedWireJson(rt, e.object)));
      }
      if (initialEventsEnd) {
        stream.write('BOOKMARK', this.bookmarkObject(rt, { 'k8s.io/initial-events-end': 'true' }));
      }
    }
    // Same tick as the replay: no event can fall between history and subscription.
    stream.unsubscribe = this.registry.store.subscribe(rt, (ev) => {
      if (fromRv === undefined || ev.rv > fromRv) emit(ev);
    });

    // Bookmarks as the watch cache sends them (k8s.io/apiserver pkg/storage/cacher/cacher.go, nextBookmarkTime):
    // about every minute per watch (defaultBookmarkFrequency, since kubernetes#90560 in v1.19), counted from the
    // watch's start, and one 2 s before the watch's deadline so that a client resumes from as close to now as
    // possible. Not sent while the stream is stalled (fault injection): a dead watch sends nothing.
    const bookmark = (): void => {
      if (!stream.stalled) stream.write('BOOKMARK', this.bookmarkObject(rt));
      else stream.silentBookmarks++;
    };
    if (bookmarks && this.settings.bookmarkIntervalMs > 0) stream.addTimer(setInterval(bookmark, this.settings.bookmarkIntervalMs));
    if (bookmarks && timeoutSeconds > 2) stream.addTimer(setTimeout(bookmark, (timeoutSeconds - 2) * 1000));
    if (timeoutSeconds > 0) stream.addTimer(setTimeout(() => stream.finish(), timeoutSeconds * 1000));
  }

  /**
   * One serialisation per (event, type), shared by every watcher: the object a watcher sees for
   * a given event and type is the same whatever its selector (see Registry.visibleType and Registry.eventObject).
   */
  private lineFor(rt: ResourceType, ev: StoredEvent, type: 'ADDED' | 'MODIFIED' | 'DELETED'): string {
    let byType = this.lines.get(ev);
    if (!byType) {
      byType = new Map();
      this.lines.set(ev, byType);
    }
    let line = byType.get(type);
    if (line === undefined) {
      line = eventLine(type, Registry.eventObjectJson(rt, ev, type));
      byType.set(type, line);
    }
    return line;
  }

  /** A bookmark carries only kind, apiVersion and the current resourceVersion. */
  private bookmarkObject(rt: ResourceType, annotations?: Record<string, string>): KubeObject {
    const metadata: JsonObject = { resourceVersion: String(this.registry.store.currentResourceVersion()) };
    if (annotations) metadata.annotations = annotations;
    return { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata };
  }

  dropAll(abrupt: boolean): number {
    const all = [...this.streams];
    for (const s of all) {
      if (abrupt) s.destroy();
      else s.end();
    }
    return all.length;
  }

  stall(includeNew: boolean): number {
    this.stallNew = includeNew;
    let n = 0;
    for (const s of this.streams) {
      if (!s.stalled) n++;
      s.stalled = true;
    }
    return n;
  }

  revive(discardMissed: boolean): number {
    this.stallNew = false;
    let n = 0;
    for (const s of [...this.streams]) {
      if (!s.stalled) continue;
      n++;
      s.revive(discardMissed);
    }
    return n;
  }

  closeAll(): void {
    for (const s of [...this.streams]) s.destroy();
  }

  /** Ends the watches of a resource no longer served (a deleted CRD or an unserved version), as its watch cache stops. */
  endResource(rt: ResourceType): number {
    let n = 0;
    for (const s of [...this.streams]) {
      if (this.resourceOf.get(s) !== gvr(rt)) continue;
      s.finish();
      n++;
    }
    return n;
  }
}

/** JSON.stringify({ type, object }) + '\n' around an object already serialised (the same bytes). */
function eventLine(type: WatchEventType, objectJson: string): string {
  return `{"type":"${type}","object":${objectJson}}\n`;
}

function addedLine(objectJson: string): string {
  return eventLine('ADDED', objectJson);
}

function gvr(rt: ResourceType): string {
  return `${rt.group}/${rt.version}/${rt.resource}`;
}
