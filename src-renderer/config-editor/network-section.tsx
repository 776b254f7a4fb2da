/** Network: the viewer ports (HTTP or HTTPS, client certificates, limits) and how cameras are reached (RTSP/RTP). */
import { useContext } from 'react';
import type { JSX } from 'react';
import { CheckField, EditorContext, Fields, NumberField, SectionErrors, SelectField, TextField } from './fields.js';
import { getAt } from './json-path.js';

const PORTS = 'http.ports';

export function NetworkSection(): JSX.Element {
  const ctx = useContext(EditorContext);
  const ports = Array.isArray(getAt(ctx.draft, PORTS)) ? (getAt(ctx.draft, PORTS) as unknown[]) : [];
  return (
    <div>
      <div className="panel">
        <h2>Viewer ports</h2>
        <SectionErrors path={PORTS} />
        {ports.map((_, i) => (
          <div className="panel" key={i} data-path={`${PORTS}[${i}]`}>
            <Fields>
              <NumberField path={`${PORTS}[${i}].port`} label="Port" min={1} max={65535} placeholder="30443" />
              <TextField path={`${PORTS}[${i}].desc`} label="Description" />
              <CheckField path={`${PORTS}[${i}].isDisabled`} label="Enabled" inverted />
              <CheckField
                path={`${PORTS}[${i}].ssl.isDisabled`}
                label="HTTPS (encrypted)"
                inverted
                defaultValue={false}
              />
              <CheckField path={`${PORTS}[${i}].ssl.cert.isRequested`} label="Ask devices for a certificate" />
              <CheckField path={`${PORTS}[${i}].ssl.cert.isRequired`} label="Only devices with a certificate" />
              <NumberField path={`${PORTS}[${i}].perConn.limits.secsIdle`} label="Close idle connections after (s)" />
              <NumberField
                path={`${PORTS}[${i}].perConn.limits.secsOverqueueing`}
                label="Drop a stuck viewer after (s)"
              />
            </Fields>
            <div className="row-actions">
              <button
                type="button"
                onClick={() =>
                  ctx.setValue(
                    PORTS,
                    ports.filter((__, j) => j !== i),
                  )
                }
              >
                Remove port
              </button>
            </div>
          </div>
        ))}
        <button type="button" onClick={() => ctx.setValue(`${PORTS}[${ports.length}]`, { port: 30443 + ports.length })}>
          Add port
        </button>
        <h3>Limits for all viewers</h3>
        <Fields>
          <NumberField path="http.maxs.connsIn" label="Most connections at once" hint="0: no limit." />
          <NumberField path="http.maxs.secsIdle" label="Close idle connections after (s)" hint="0: never." />
          <NumberField path="http.maxs.bps.out" label="Most bits per second out" hint="0: no limit." />
        </Fields>
      </div>
      <div className="panel">
        <h2>Reaching cameras</h2>
        <Fields>
          <SelectField
            path="server.defaults.streams.params.rtsp.transport"
            label="Transport"
            defaultValue="auto"
            options={[
              { value: 'auto', label: 'Automatic (UDP, else TCP)' },
              { value: 'udp', label: 'UDP' },
              { value: 'tcp', label: 'TCP' },
            ]}
          />
          <TextField
            path="server.defaults.streams.params.rtp.assumeConnDroppedAfter"
            label="Reconnect when no video for"
            placeholder="10s"
          />
          <PortListField path="server.rtsp.rtp.server.ports" label="Local UDP port for RTP" />
          <NumberField path="server.rtsp.rtcp.port" label="Local UDP port for RTCP" placeholder="8001" />
          <NumberField path="server.rtsp.requests.timeouts.max.msConnect" label="Connect timeout (ms)" />
        </Fields>
      </div>
    </div>
  );
}

/** A list of ports typed as `8000, 8002`. */
function PortListField(props: { path: string; label: string }): JSX.Element {
  const ctx = useContext(EditorContext);
  const value = getAt(ctx.draft, props.path);
  const text = Array.isArray(value) ? value.join(', ') : '';
  const errors = ctx.errorsAt(props.path);
  return (
    <label className="field" data-path={props.path}>
      <span>{props.label}</span>
      <input
        name={props.path}
        defaultValue={text}
        aria-invalid={errors.length > 0}
        onBlur={(e) => {
          const parts = e.target.value
            .split(/[\s,]+/)
            .filter((p) => p !== '')
            .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
          ctx.setValue(props.path, parts.length === 0 ? undefined : parts);
        }}
      />
      <span className="hint">0 lets the system choose.</span>
      {errors.length > 0 && (
        <span className="field-error" data-error-for={props.path}>
          {errors.join(' ')}
        </span>
      )}
    </label>
  );
}
