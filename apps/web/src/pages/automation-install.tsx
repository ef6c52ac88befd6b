import { useId, useState } from 'react';
import type { PlaybookSettings } from '../automation-data.js';

/*
 * A ready playbook's install button with its parameters (the server's PlaybookInstallRequest):
 * the shop's name in the messages, the channel, the discount its coupon gives and the holdout.
 * A field left empty keeps the playbook's own default.
 */

export function PlaybookInstall(props: {
  playbook: { name: string; title: string };
  disabled: boolean;
  onInstall: (settings: PlaybookSettings) => void;
}) {
  const id = useId();
  const [shop, setShop] = useState('');
  const [channel, setChannel] = useState<'' | 'email' | 'sms'>('');
  const [discount, setDiscount] = useState('');
  const [holdout, setHoldout] = useState('');
  const settings = (): PlaybookSettings => ({
    ...(shop.trim() ? { shop_name: shop.trim() } : {}),
    ...(channel ? { channel } : {}),
    ...(discount ? { discount_percent: Number(discount) } : {}),
    ...(holdout ? { holdout_share: Number(holdout) / 100 } : {}),
  });
  return (
    <div className="playbook-install">
      <details>
        <summary>Settings</summary>
        <div className="field">
          <label htmlFor={`${id}-shop`}>Shop name</label>
          <input id={`${id}-shop`} maxLength={100} value={shop} onChange={(e) => setShop(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-channel`}>Channel</label>
          <select
            id={`${id}-channel`}
            value={channel}
            onChange={(e) => setChannel(e.target.value as '' | 'email' | 'sms')}
          >
            <option value="">The playbook's own</option>
            <option value="email">email</option>
            <option value="sms">sms</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-discount`}>Discount (%)</label>
          <input
            id={`${id}-discount`}
            type="number"
            min={1}
            max={90}
            value={discount}
            onChange={(e) => setDiscount(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-holdout`}>Holdout (%)</label>
          <input
            id={`${id}-holdout`}
            type="number"
            min={0}
            max={50}
            value={holdout}
            onChange={(e) => setHoldout(e.target.value)}
          />
        </div>
      </details>
      <button
        type="button"
        disabled={props.disabled}
        aria-label={`Install ${props.playbook.title}`}
        onClick={() => props.onInstall(settings())}
      >
        Install
      </button>
    </div>
  );
}
