/**
 * The recordings of one stream over a time window: segments as bars (gaps are empty track), the position of
 * the picture on screen, and an export selection. Click seeks; Shift+click (or drag) selects a range; arrow
 * keys move the cursor by a step of the zoom.
 */
import { useRef } from 'react';
import type { JSX, KeyboardEvent, PointerEvent } from 'react';
import type { RecordingSegment } from '../../src-shared/api.js';
import { formatClock, formatHourMinute } from '../ui/format.js';

export interface TimelineProps {
  fromMs: number;
  toMs: number;
  segments: RecordingSegment[];
  cursorMs: number | null;
  selection: { fromMs: number; toMs: number } | null;
  onSeek(timeMs: number): void;
  onSelect(range: { fromMs: number; toMs: number } | null): void;
}

function tickStepMs(spanMs: number): number {
  const steps = [10_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000, 3600_000, 3 * 3600_000];
  return steps.find((s) => spanMs / s <= 12) ?? 6 * 3600_000;
}

export function Timeline(props: TimelineProps): JSX.Element {
  const { fromMs, toMs } = props;
  const spanMs = Math.max(1, toMs - fromMs);
  const trackRef = useRef<HTMLDivElement | null>(null);
  const dragStart = useRef<number | null>(null);
  const pct = (t: number): number => ((Math.min(toMs, Math.max(fromMs, t)) - fromMs) / spanMs) * 100;
  const timeAt = (clientX: number): number => {
    const rect = trackRef.current?.getBoundingClientRect();
    if (rect === undefined || rect.width === 0) return fromMs;
    return Math.round(fromMs + ((clientX - rect.left) / rect.width) * spanMs);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    const t = timeAt(e.clientX);
    if (e.shiftKey && props.cursorMs !== null) {
      props.onSelect({ fromMs: Math.min(props.cursorMs, t), toMs: Math.max(props.cursorMs, t) });
      return;
    }
    dragStart.current = t;
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>): void => {
    const start = dragStart.current;
    dragStart.current = null;
    if (start === null) return;
    const t = timeAt(e.clientX);
    // A drag wider than 1% of the view selects; anything shorter is a click that seeks.
    if (Math.abs(t - start) > spanMs / 100) props.onSelect({ fromMs: Math.min(start, t), toMs: Math.max(start, t) });
    else props.onSeek(t);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const base = props.cursorMs ?? fromMs;
    const step = tickStepMs(spanMs) / 2;
    if (e.key === 'ArrowLeft') props.onSeek(Math.max(fromMs, base - step));
    else if (e.key === 'ArrowRight') props.onSeek(Math.min(toMs, base + step));
    else return;
    e.preventDefault();
  };

  const step = tickStepMs(spanMs);
  const ticks: number[] = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs && ticks.length < 30; t += step) ticks.push(t);
  const visible = props.segments.filter((s) => s.endMs >= fromMs && s.startMs <= toMs);

  return (
    <div>
      <div
        ref={trackRef}
        className="timeline"
        data-testid="timeline"
        data-from-ms={fromMs}
        data-to-ms={toMs}
        role="slider"
        tabIndex={0}
        aria-label="Recordings timeline: click to seek, Shift+click or drag to select a range to export"
        aria-valuemin={fromMs}
        aria-valuemax={toMs}
        aria-valuenow={props.cursorMs ?? fromMs}
        aria-valuetext={props.cursorMs === null ? 'no position' : formatClock(props.cursorMs)}
        onPointerDown={onPointerDown}
        onPointerUp={onPointerUp}
        onKeyDown={onKeyDown}
      >
        {visible.map((s) => (
          <Bar key={s.id} className="timeline-segment" leftPct={pct(s.startMs)} rightPct={pct(s.endMs)} />
        ))}
        {props.selection !== null && (
          <Bar
            className="timeline-selection"
            leftPct={pct(props.selection.fromMs)}
            rightPct={pct(props.selection.toMs)}
          />
        )}
        {props.cursorMs !== null && props.cursorMs >= fromMs && props.cursorMs <= toMs && (
          <Bar className="timeline-cursor" leftPct={pct(props.cursorMs)} rightPct={null} />
        )}
      </div>
      <div className="timeline-hours" aria-hidden="true">
        {/* A label centred on a tick at the very edge would be cut in half: those ticks go unlabelled. */}
        {ticks
          .filter((t) => pct(t) >= 3 && pct(t) <= 97)
          .map((t) => (
            <Tick key={t} leftPct={pct(t)} label={step < 60_000 ? formatClock(t) : formatHourMinute(t)} />
          ))}
      </div>
    </div>
  );
}

/** A positioned bar. Geometry goes through CSSOM (style properties), which the CSP allows; no style attributes. */
function Bar(props: { className: string; leftPct: number; rightPct: number | null }): JSX.Element {
  return (
    <div
      className={props.className}
      ref={(el) => {
        if (el === null) return;
        el.style.left = `${props.leftPct}%`;
        if (props.rightPct !== null) el.style.width = `${Math.max(0.15, props.rightPct - props.leftPct)}%`;
      }}
    />
  );
}

function Tick(props: { leftPct: number; label: string }): JSX.Element {
  return (
    <span
      ref={(el) => {
        if (el !== null) el.style.left = `${props.leftPct}%`;
      }}
    >
      {props.label}
    </span>
  );
}
