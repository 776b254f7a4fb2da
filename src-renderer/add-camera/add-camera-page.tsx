/**
 * Adding a camera without knowing what RTSP is (#/add-camera): 1. find it (search the network with ONVIF, or
 * choose its brand, or type its stream address), 2. check it (Test connection) and save it. Administrators only.
 */
import { useState } from 'react';
import type { JSX } from 'react';
import { BrandStep } from './brand-step.js';
import { CameraDetails } from './camera-details.js';
import { DiscoveryStep } from './discovery-step.js';
import { EMPTY_CAMERA } from './new-camera.js';
import type { NewCamera } from './new-camera.js';

type Method = 'discover' | 'brand' | 'manual';

const METHODS: Array<{ id: Method; label: string; hint: string }> = [
  { id: 'discover', label: 'Find cameras on my network', hint: 'Most cameras: no address needed.' },
  { id: 'brand', label: 'I know its brand', hint: 'Hikvision, Dahua, Reolink, Tapo…' },
  { id: 'manual', label: 'I have its stream address', hint: 'rtsp://…' },
];

export function AddCameraPage(props: { isAdmin: boolean }): JSX.Element {
  const [method, setMethod] = useState<Method>('discover');
  const [camera, setCamera] = useState<NewCamera>(EMPTY_CAMERA);
  const [note, setNote] = useState<string | null>(null);
  const [brandSeed, setBrandSeed] = useState<{ host: string; patternId: string | null }>({
    host: '',
    patternId: null,
  });
  /** Bumped to start over (fresh steps and form). */
  const [round, setRound] = useState(0);

  if (!props.isAdmin) return <p className="empty">Only an administrator can add cameras.</p>;

  const filled = (next: NewCamera, why: string): void => {
    setCamera(next);
    setNote(why);
  };
  const useBrand = (host: string, patternId: string | null): void => {
    setBrandSeed({ host, patternId });
    setMethod('brand');
  };
  const showDetails = method === 'manual' || camera.mainUrl !== '';

  return (
    <section className="add-camera" aria-label="Add a camera" key={round}>
      <div className="page-title">
        <h1>Add a camera</h1>
        <a href="#/live">Back to the cameras</a>
      </div>
      <div className="panel">
        <h2>1. Find your camera</h2>
        <div className="choices" role="tablist" aria-label="How to find the camera">
          {METHODS.map((m) => (
            <button
              key={m.id}
              type="button"
              role="tab"
              aria-selected={method === m.id}
              className={method === m.id ? 'choice selected' : 'choice'}
              onClick={() => setMethod(m.id)}
            >
              <strong>{m.label}</strong>
              <span>{m.hint}</span>
            </button>
          ))}
        </div>
        <div role="tabpanel">
          {method === 'discover' && (
            <DiscoveryStep onFilled={filled} onUseBrand={useBrand} onTypeByHand={() => setMethod('manual')} />
          )}
          {method === 'brand' && (
            <BrandStep
              key={`${brandSeed.host}|${brandSeed.patternId ?? ''}`}
              initialHost={brandSeed.host}
              initialPatternId={brandSeed.patternId}
              onFilled={filled}
            />
          )}
          {method === 'manual' && (
            <p>Type the addresses below. The camera’s manual or its web page names them; they start with rtsp://.</p>
          )}
        </div>
      </div>
      {showDetails && (
        <CameraDetails
          camera={camera}
          onChange={(next) => {
            setCamera(next);
          }}
          note={note}
          onAddAnother={() => {
            setCamera(EMPTY_CAMERA);
            setNote(null);
            setMethod('discover');
            setRound((r) => r + 1);
          }}
        />
      )}
    </section>
  );
}
