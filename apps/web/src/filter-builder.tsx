import { useId, useMemo, useState } from 'react';
import { defaultCatalog, lookup, toFieldList } from '@strata/segment-lang';
import {
  emptyGroup,
  emptyRow,
  needsValue,
  operatorsOf,
  rowsOf,
  textOf,
  type FilterGroup,
  type FilterRow,
} from './filter-rows.js';

/*
 * The query as stacked filter rows beside the text editor, both showing one query: editing a row
 * rewrites the text; text the rows can show (filter-rows.ts) shows as rows; other text is left to
 * the text editor, and the rows say why they cannot show it.
 */

const fields = toFieldList(defaultCatalog).fields;
const joinNames = { and: 'all (and)', or: 'any (or)' } as const;

export function FilterBuilder(props: { text: string; onChange: (text: string) => void }) {
  const listId = useId();
  const derived = useMemo(() => rowsOf(props.text), [props.text]);
  // The rows as last edited, and the text they wrote: while the text is still that, the rows shown
  // are these (an unfinished row included); once the text changes elsewhere, the rows follow it.
  const [edited, setEdited] = useState<{ root: FilterGroup; text: string } | undefined>();
  const fromRows = edited !== undefined && edited.text === props.text;
  const change = (root: FilterGroup) => {
    const text = textOf(root);
    setEdited({ root, text });
    props.onChange(text);
  };

  if (!fromRows && !derived.ok)
    return (
      <fieldset className="filters">
        <legend>Filters</legend>
        <p className="muted" role="note" data-testid="rows-unavailable">
          The filter rows cannot show this query ({derived.reason}); edit it in the text below.
        </p>
      </fieldset>
    );
  const root = fromRows ? edited.root : derived.ok ? derived.root : emptyGroup();
  return (
    <fieldset className="filters">
      <legend>Filters</legend>
      <datalist id={listId}>
        {fields.map((f) => (
          <option key={f.name} value={f.name} label={f.description} />
        ))}
      </datalist>
      <Group group={root} path="1" listId={listId} onChange={change} nested={false} />
      {!derived.ok ? (
        <p className="muted" role="note">
          Not a query yet: {derived.reason}.
        </p>
      ) : null}
    </fieldset>
  );
}

function Group(props: {
  group: FilterGroup;
  path: string;
  listId: string;
  nested: boolean;
  onChange: (g: FilterGroup) => void;
  onRemove?: () => void;
}) {
  const { group, path } = props;
  const set = (i: number, item: FilterRow | FilterGroup | undefined) =>
    props.onChange({
      ...group,
      items:
        item === undefined ? group.items.filter((_, j) => j !== i) : group.items.map((x, j) => (j === i ? item : x)),
    });
  const joinId = `join-${path}`;
  return (
    <div className={props.nested ? 'filter-group nested' : 'filter-group'} data-group={path}>
      <div className="filter-join">
        <label htmlFor={joinId}>{props.nested ? 'Group: match' : 'Match'}</label>
        <select
          id={joinId}
          value={group.join}
          onChange={(e) => props.onChange({ ...group, join: e.target.value === 'or' ? 'or' : 'and' })}
        >
          <option value="and">{joinNames.and}</option>
          <option value="or">{joinNames.or}</option>
        </select>
        <span className="muted">of these conditions</span>
        {props.onRemove ? (
          <button type="button" className="quiet" onClick={props.onRemove}>
            Remove group
          </button>
        ) : null}
      </div>
      <ol className="filter-items">
        {group.items.map((item, i) => (
          <li key={i}>
            {item.kind === 'row' ? (
              <Row
                row={item}
                n={`${path}.${i + 1}`}
                listId={props.listId}
                onChange={(r) => set(i, r)}
                onRemove={() => set(i, undefined)}
              />
            ) : (
              <Group
                group={item}
                path={`${path}.${i + 1}`}
                listId={props.listId}
                nested
                onChange={(g) => set(i, g)}
                onRemove={() => set(i, undefined)}
              />
            )}
          </li>
        ))}
      </ol>
      <div className="filter-add">
        <button type="button" onClick={() => props.onChange({ ...group, items: [...group.items, emptyRow()] })}>
          {props.nested ? 'Add condition to group' : 'Add condition'}
        </button>
        {props.nested ? null : (
          <button
            type="button"
            onClick={() =>
              props.onChange({
                ...group,
                items: [...group.items, { ...emptyGroup(group.join === 'and' ? 'or' : 'and'), items: [emptyRow()] }],
              })
            }
          >
            Add {group.join === 'and' ? 'an OR' : 'an AND'} group
          </button>
        )}
      </div>
    </div>
  );
}

function Row(props: {
  row: FilterRow;
  n: string;
  listId: string;
  onChange: (r: FilterRow) => void;
  onRemove: () => void;
}) {
  const { row, n } = props;
  const ops = operatorsOf(row.field);
  const spec = lookup(defaultCatalog, row.field);
  const values = spec?.values;
  const valuesId = `values-${n}`;
  return (
    <div className="filter-row" data-row={n}>
      <input
        aria-label={`Field of condition ${n}`}
        list={props.listId}
        value={row.field}
        placeholder="field, e.g. total_spent"
        onChange={(e) => {
          const field = e.target.value;
          const next = operatorsOf(field);
          props.onChange({ ...row, field, op: next.includes(row.op) ? row.op : next[0]! });
        }}
      />
      <select
        aria-label={`Operator of condition ${n}`}
        value={ops.includes(row.op) ? row.op : ops[0]}
        onChange={(e) => props.onChange({ ...row, op: e.target.value })}
      >
        {ops.map((op) => (
          <option key={op} value={op}>
            {op}
          </option>
        ))}
      </select>
      {needsValue(row.op) ? (
        <>
          <input
            aria-label={`Value of condition ${n}`}
            value={row.value}
            placeholder={placeholder(row.op)}
            {...(values ? { list: valuesId } : {})}
            onChange={(e) => props.onChange({ ...row, value: e.target.value })}
          />
          {values ? (
            <datalist id={valuesId}>
              {values.map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          ) : null}
        </>
      ) : null}
      <button type="button" className="quiet" aria-label={`Remove condition ${n}`} onClick={props.onRemove}>
        Remove
      </button>
      {spec ? <span className="muted field-help">{spec.description}</span> : null}
    </div>
  );
}

const placeholder = (op: string): string => {
  if (op === 'in top' || op === 'in bottom') return '10%';
  if (op === 'before' || op === 'after') return '60 days ago, 2026-01-01';
  if (op === 'within last' || op === 'within next') return '30 days';
  if (op === 'between') return '10 and 20';
  if (op === 'in' || op === 'not in') return '["a", "b"]';
  return 'value';
};
