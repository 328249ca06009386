/**
 * Reports the token may run (`GET /v1/reports`), each with a form built from its parameter declarations.
 * The browser's own validation is off (`noValidate`): the API checks every value, and its message is shown
 * next to the field it names, so the form and a script get the same answer.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, sendJson, type Job, type ParamDeclaration, type Report } from '../api.js';
import { ErrorBox } from '../components.js';

const INPUT_TYPES = {
  string: 'text', number: 'number', integer: 'number', boolean: 'checkbox', date: 'date', datetime: 'datetime-local',
} as const satisfies Record<ParamDeclaration['type'], string>;

/** The form's text as the JSON the API expects; text that is not a number is sent as is, for the API to name. */
function valueOf(param: ParamDeclaration, text: string, checked: boolean): unknown {
  if (param.type === 'boolean') return checked;
  if (param.type === 'number' || param.type === 'integer') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  return text;
}

function initialText(param: ParamDeclaration): string {
  return param.default === null || param.default === undefined || typeof param.default === 'boolean' ? '' : String(param.default);
}

/** What the xlsx will hold: the sheet names in order, then the About sheet if the report adds one. */
function SheetList({ report, headingId }: { report: Report; headingId: string }) {
  return (
    <>
      <h3 id={headingId}>Sheets{report.title ? ` of “${report.title}”` : ''}</h3>
      <ul class="sheets" aria-labelledby={headingId}>
        {report.sheets.map((sheet) => <li key={sheet.name}>{sheet.name}{sheet.table ? <span class="muted"> (table)</span> : null}</li>)}
        {report.about ? <li>About <span class="muted">(what ran, when, with which parameters)</span></li> : null}
      </ul>
    </>
  );
}

function ReportForm({ report }: { report: Report }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = (name: string): string => `${report.name}-${name}`;
  const fieldError = error instanceof ApiError && error.param !== null ? error : null;

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const params: Record<string, unknown> = {};
    for (const param of report.params) {
      const text = String(form.get(param.name) ?? '');
      // An empty optional field means "the default": left out, as a script would.
      if (param.type !== 'boolean' && text === '' && !param.required) continue;
      params[param.name] = valueOf(param, text, form.get(param.name) !== null);
    }
    setBusy(true);
    setError(null);
    try {
      const job = await sendJson<Job>('POST', '/v1/exports', { report: report.name, params, format: form.get('format') });
      location.hash = `#/jobs/${job.id}`;
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby={id('title')}>
      <h2 id={id('title')}>{report.name}</h2>
      {report.description ? <p>{report.description}</p> : null}
      <form onSubmit={submit} noValidate>
        {report.params.map((param) => {
          const invalid = fieldError?.param === param.name;
          const described = [param.description ? id(`${param.name}-hint`) : '', invalid ? id(`${param.name}-error`) : ''].join(' ').trim();
          const type = INPUT_TYPES[param.type];
          return (
            <div class={`field${type === 'checkbox' ? ' check' : ''}`} key={param.name}>
              <label for={id(param.name)}>{param.name}{param.required ? ' (required)' : ''}</label>
              {/* Preact's types narrow attributes by input type; this input's type is chosen at run time. */}
              <input id={id(param.name)} name={param.name} type={type as 'text'} step={param.type === 'number' ? 'any' : param.type === 'integer' ? '1' : undefined}
                defaultValue={initialText(param)} defaultChecked={param.default === true} required={param.required}
                aria-invalid={invalid ? 'true' : undefined} aria-describedby={described || undefined} />
              {param.description ? <p class="hint" id={id(`${param.name}-hint`)}>{param.description}</p> : null}
              {invalid ? <p class="field-error" id={id(`${param.name}-error`)}>{fieldError.message}</p> : null}
            </div>
          );
        })}
        <div class="field">
          <label for={id('format')}>Format</label>
          <select id={id('format')} name="format">
            {report.formats.map((format) => <option value={format} key={format}>{format}</option>)}
          </select>
        </div>
        <button type="submit" disabled={busy}>Run {report.name}</button>
      </form>
      {fieldError ? null : <ErrorBox error={error} />}
      <SheetList report={report} headingId={id('sheets')} />
    </section>
  );
}

export function ReportsPage() {
  const [reports, setReports] = useState<Report[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    getJson<{ reports: Report[] }>('/v1/reports').then((body) => setReports(body.reports), setError);
  }, []);
  return (
    <>
      <h1 tabIndex={-1}>Reports</h1>
      <ErrorBox error={error} />
      {reports === null && error === null ? <p role="status">Loading reports…</p> : null}
      {reports?.length === 0 ? <p>This token may run no reports.</p> : null}
      <div class="cards">{reports?.map((report) => <ReportForm report={report} key={report.name} />)}</div>
    </>
  );
}
