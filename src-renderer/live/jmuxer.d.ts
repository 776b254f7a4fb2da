// Types for the parts of jmuxer 2.x (no bundled types) the renderer uses. We bundle its ES source: the dist
// file is UMD inside a "type": "module" package, which bundlers cannot import.
declare module 'jmuxer/src/jmuxer.js' {
  export interface JMuxerOptions {
    node: HTMLVideoElement | string;
    mode?: 'both' | 'audio' | 'video';
    videoCodec?: 'H264' | 'H265';
    /** 0: append each fragment as soon as it is made (our low-delay setting). */
    flushingTime?: number;
    /** With flushingTime 0, jmuxer jumps to the live edge every second when behind by more than this (ms). */
    maxDelay?: number;
    clearBuffer?: boolean;
    fps?: number;
    readFpsFromTrack?: boolean;
    live?: boolean;
    debug?: boolean;
    onReady?: (isReset: boolean, mediaSource: MediaSource) => void;
    onError?: (data: { type: string; name: string; error: string }) => void;
    onUnsupportedCodec?: (codec: string) => void;
    onMissingVideoFrames?: () => void;
    onLoggerLog?: (...args: unknown[]) => void;
    onLoggerErr?: (...args: unknown[]) => void;
  }
  export interface JMuxerFeed {
    video: Uint8Array;
    /** Milliseconds this chunk lasts. */
    duration?: number;
    compositionTimeOffset?: number;
    /** True: the chunk ends on a complete NAL unit (else jmuxer holds the last one back for the next feed). */
    isLastVideoFrameComplete?: boolean;
  }
  export default class JMuxer {
    constructor(options: JMuxerOptions);
    static isSupported(codec: string): boolean;
    feed(data: JMuxerFeed): void;
    reset(): void;
    destroy(): void;
  }
}
