/**
 * A small line chart on a canvas (no inline styles; CSP-safe), from zero to a little above its own maximum, so a
 * steady value reads as a level line below the top and a drop to zero as a fall to the baseline.
 */
import { useEffect, useRef } from 'react';
import type { JSX } from 'react';

export function Sparkline(props: { values: number[]; label: string }): JSX.Element {
  const ref = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (canvas === null || ctx === null || ctx === undefined) return;
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth * ratio;
    const h = canvas.clientHeight * ratio;
    canvas.width = w;
    canvas.height = h;
    ctx.clearRect(0, 0, w, h);
    const values = props.values;
    if (values.length < 2) return;
    const max = Math.max(1, ...values) * 1.25;
    const style = getComputedStyle(canvas);
    ctx.strokeStyle = style.getPropertyValue('--border').trim() || '#c9ced6';
    ctx.lineWidth = ratio;
    ctx.beginPath();
    ctx.moveTo(0, h - 0.5 * ratio);
    ctx.lineTo(w, h - 0.5 * ratio);
    ctx.stroke();
    ctx.strokeStyle = style.getPropertyValue('--chart').trim() || '#1d5fd1';
    ctx.lineWidth = 1.5 * ratio;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = (i / (values.length - 1)) * (w - 2) + 1;
      const y = h - 1 - (Math.max(0, v) / max) * (h - 2);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }, [props.values]);
  return <canvas ref={ref} className="sparkline" role="img" aria-label={props.label} />;
}
