// The shared form, dialog, table and page pieces the sections are built from.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { createRawSnippet, tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import AuthForm from './AuthForm.svelte';
import CardHeader from './CardHeader.svelte';
import DataTable from './DataTable.svelte';
import DateRange from './DateRange.svelte';
import DetailPage from './DetailPage.svelte';
import Field from './Field.svelte';
import FormDialog from './FormDialog.svelte';
import PasswordAgainField from './PasswordAgainField.svelte';
import SettingsHeader from './SettingsHeader.svelte';
import SettingsIntro from './SettingsIntro.svelte';
import SubmitActions from './SubmitActions.svelte';
import Tabs from './Tabs.svelte';
import FormFieldsHost from '../test/FormFieldsHost.svelte';
import { SIGN_IN_FORM } from '../lib/authInputs';
import { CredentialsForm } from '../lib/credentialsForm.svelte';
import { problemFromReason, type Problem } from '../lib/errors';
import { Loaded } from '../lib/loaded.svelte';
import { Submission } from '../lib/submission.svelte';
import { freshEachTest } from '../test/fixtures';

const html = (markup: string) => createRawSnippet(() => ({ render: () => markup }));

describe('shared components', () => {
  freshEachTest(invoke, null);

  it('Field labels its control and gives the hint an id', () => {
    render(Field, { id: 'f-name', label: 'Name', hint: 'As on the ID card', children: html('<input id="f-name" />') });
    expect(screen.getByLabelText('Name').id).toBe('f-name');
    expect(screen.getByText('As on the ID card').id).toBe('f-name-hint');
  });

  it('PasswordAgainField asks for the password again and is invalid after a wrong one', () => {
    const { rerender } = render(PasswordAgainField, { problem: null, testid: 'pw' });
    const input = screen.getByTestId('pw') as HTMLInputElement;
    expect(input.type).toBe('password');
    expect(input.getAttribute('autocomplete')).toBe('current-password');
    expect(screen.getByLabelText('Your password')).toBe(input);
    expect(input.getAttribute('aria-invalid')).toBeNull();
    rerender({ problem: { code: 'wrong_password', reason: null, message: null }, testid: 'pw' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('TextField takes its id, invalid mark and the error it announces from its form', async () => {
    const { rerender } = render(FormFieldsHost, { invalid: null });
    const input = screen.getByTestId('host-username');
    expect(input.id).toBe('host-username');
    expect(screen.getByLabelText('Username')).toBe(input);
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect(input.getAttribute('aria-describedby')).toBe('host-username-hint');
    await rerender({ invalid: 'username' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('host-username-hint host-error');
  });

  it('Tabs marks the current tab, chooses by click and by arrow keys, and labels its panel', async () => {
    const onchoose = vi.fn();
    render(Tabs, {
      tabs: ['one', 'two', 'three'],
      current: 'one',
      label: 'Parts',
      tabLabel: (tab: string) => tab.toUpperCase(),
      testid: 'parts',
      onchoose,
      children: html('<p>Part one</p>'),
    });
    const one = screen.getByTestId('parts-tab-one');
    expect(one.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTestId('parts-tab-two').getAttribute('tabindex')).toBe('-1');
    expect(screen.getByRole('tablist', { name: 'Parts' })).toBeTruthy();
    expect(screen.getByRole('tabpanel', { name: 'ONE' }).textContent).toContain('Part one');
    await fireEvent.click(screen.getByTestId('parts-tab-three'));
    expect(onchoose).toHaveBeenLastCalledWith('three');
    await fireEvent.keyDown(one, { key: 'ArrowLeft' });
    expect(onchoose).toHaveBeenLastCalledWith('three');
    await fireEvent.keyDown(one, { key: 'ArrowRight' });
    expect(onchoose).toHaveBeenLastCalledWith('two');
  });

  it('SubmitActions cancels, and submits its form unless busy or not ready', async () => {
    const oncancel = vi.fn();
    const props = { form: 'f', label: 'Send', busyLabel: 'Sending…', busy: false, testid: 'send', oncancel };
    const { rerender } = render(SubmitActions, props);
    const send = screen.getByTestId('send') as HTMLButtonElement;
    expect(send.getAttribute('form')).toBe('f');
    expect(send.className).toContain('btn-primary');
    await fireEvent.click(screen.getByText('Cancel'));
    expect(oncancel).toHaveBeenCalledTimes(1);
    await rerender({ ...props, disabled: true, danger: true });
    expect(send.disabled).toBe(true);
    expect(send.className).toContain('btn-danger');
    await rerender({ ...props, busy: true });
    expect(send.textContent?.trim()).toBe('Sending…');
    expect((screen.getByText('Cancel') as HTMLButtonElement).disabled).toBe(true);
  });

  it('FormDialog sends its form from the actions row and shows the problem', async () => {
    const onsubmit = vi.fn((event: SubmitEvent) => event.preventDefault());
    const submission = { busy: false, problem: problemFromReason('refund_note_missing') };
    // `intro` is also a mount option, so the props go under `props`.
    render(FormDialog, {
      props: {
        title: 'Decide',
        testid: 'decide',
        submission,
        submit: { label: 'Approve', busyLabel: 'Working…', testid: 'decide-confirm' },
        onsubmit,
        onclose: () => {},
        intro: html('<p data-testid="decide-intro">Summary</p>'),
        children: html('<input data-testid="decide-note" />'),
      },
    });
    expect(screen.getByTestId('decide-dialog').getAttribute('role')).toBe('dialog');
    expect(screen.getByTestId('decide-intro')).toBeTruthy();
    expect(screen.getByTestId('decide-error')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('decide-confirm'));
    expect(onsubmit).toHaveBeenCalledTimes(1);
  });

  it('DataTable heads each column and renders a row per item', () => {
    const row = createRawSnippet((item: () => { id: number; name: string }) => ({
      render: () => `<tr data-testid="row"><td>${item().name}</td><td class="cell-amount">${item().id}</td></tr>`,
    }));
    render(DataTable<{ id: number; name: string }>, {
      columns: ['Name', { label: 'Amount', class: 'cell-amount' }],
      rows: [
        { id: 1, name: 'Budi' },
        { id: 2, name: 'Siti' },
      ],
      key: (item) => item.id,
      row,
      testid: 'people',
    });
    const headers = screen.getAllByRole('columnheader');
    expect(headers.map((h) => h.textContent)).toEqual(['Name', 'Amount']);
    expect(headers[1].className).toBe('cell-amount');
    expect(screen.getAllByTestId('row').map((r) => r.textContent)).toEqual(['Budi1', 'Siti2']);
    expect(screen.getByTestId('people').tagName).toBe('TABLE');
  });

  it('DetailPage goes back, shows loading, the load problem, then the record', async () => {
    const onback = vi.fn();
    const children = createRawSnippet((name: () => string) => ({ render: () => `<h1>${name()}</h1>` }));
    const loaded = (value: string | null, problem: Problem | null = null) => ({ value, problem, loading: false });
    const props = { testid: 'thing', backLabel: 'Things', loaded: loaded(null), onback, children };
    const { rerender } = render(DetailPage<string>, props);
    expect(screen.getByText('Loading…')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('thing-back'));
    expect(onback).toHaveBeenCalledTimes(1);
    await rerender({ ...props, loaded: loaded(null, { code: 'internal', reason: null, message: null }) });
    expect(screen.getByTestId('thing-error')).toBeTruthy();
    expect(screen.queryByText('Loading…')).toBeNull();
    await rerender({ ...props, loaded: loaded('Budi') });
    expect(screen.getByRole('heading', { name: 'Budi' })).toBeTruthy();
    expect(screen.getByTestId('thing-page')).toBeTruthy();
  });

  it('AuthForm renders its inputs, shows the missing message before the problem, and the busy label', async () => {
    const form = new CredentialsForm('f', { username: 'ayu', password: '' });
    form.submission.problem = problemFromReason('password_too_short');
    form.missing = true;
    const spec = { ...SIGN_IN_FORM, testid: 'go' };
    render(AuthForm, { spec, form, onsubmit: (event: SubmitEvent) => event.preventDefault() });
    expect(screen.getByLabelText('Username')).toBe(screen.getByTestId('go-username'));
    expect((screen.getByTestId('go-username') as HTMLInputElement).value).toBe('ayu');
    expect(screen.getByTestId('go-password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('form-error').textContent).toBe('Enter your username and password.');
    expect(screen.getByTestId('form-error').id).toBe('f-error');
    expect(screen.getByTestId('go-submit').textContent?.trim()).toBe('Sign in');
    form.missing = false;
    form.submission.busy = true;
    await tick();
    expect(screen.getByTestId('form-error').textContent).not.toBe('Enter your username and password.');
    expect(screen.getByTestId('go-submit').textContent?.trim()).toBe('Signing in…');
  });
  it('CardHeader titles its card at the level asked, with the line under it and the end content', () => {
    const { unmount } = render(CardHeader, {
      props: { title: 'Products', intro: 'What you sell', level: 3, id: 'p-title', children: html('<b>end</b>') },
    });
    const heading = screen.getByRole('heading', { level: 3, name: 'Products' });
    expect(heading.id).toBe('p-title');
    expect(screen.getByText('What you sell').className).toContain('card-intro');
    expect(screen.getByText('end').closest('header')).toBe(heading.closest('header'));
    unmount();
    render(CardHeader, { title: 'Preferences' });
    expect(screen.getByRole('heading', { level: 2, name: 'Preferences' })).toBeTruthy();
  });

  it('DateRange labels its two dates, offers none after max and marks both when the range is refused', async () => {
    const props = { labels: { from: 'From', to: 'To' }, invalid: false, max: '2026-03-31', describedBy: 'range-hint', testid: 'r' };
    const { rerender } = render(DateRange, props);
    const from = screen.getByTestId('r-from') as HTMLInputElement;
    const to = screen.getByTestId('r-to') as HTMLInputElement;
    expect(screen.getByLabelText('From')).toBe(from);
    expect(screen.getByLabelText('To')).toBe(to);
    for (const input of [from, to]) {
      expect(input.type).toBe('text');
      expect(input.placeholder).toBe('dd/mm/yyyy');
      expect(input.getAttribute('aria-describedby')).toBe('range-hint');
      expect(input.getAttribute('aria-invalid')).toBeNull();
    }
    // Nothing after max: typed, it is refused; in the grid, the days after it cannot be picked.
    await fireEvent.input(to, { target: { value: '01/04/2026' } });
    await fireEvent.change(to);
    expect(to.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('r-to-error').textContent).toBe('Enter a date no later than 31/03/2026.');
    await fireEvent.click(screen.getByTestId('r-from-calendar'));
    expect(screen.getByTestId('r-from-picker').querySelector('[data-day="2026-03-31"]')?.getAttribute('aria-disabled')).toBeNull();
    expect((screen.getByTestId('r-from-next-month') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    await fireEvent.input(to, { target: { value: '31/03/2026' } });
    expect(to.getAttribute('aria-invalid')).toBeNull();
    await rerender({ ...props, invalid: true });
    expect(from.getAttribute('aria-invalid')).toBe('true');
    expect(to.getAttribute('aria-invalid')).toBe('true');
  });

  it('SettingsHeader titles a settings page and says what it is for', () => {
    // `intro` is also a mount option, so the props go under `props`.
    render(SettingsHeader, { props: { title: 'Listener', intro: 'Where providers call' } });
    expect(screen.getByRole('heading', { level: 2, name: 'Listener' })).toBeTruthy();
    expect(screen.getByText('Where providers call')).toBeTruthy();
  });

  it('SettingsIntro offers the environments it is given and says when another is chosen', async () => {
    const onchange = vi.fn();
    render(SettingsIntro, {
      props: {
        title: 'Credentials',
        intro: 'Keys per environment',
        environments: ['provider_sandbox', 'production'],
        environment: 'provider_sandbox',
        testid: 'env',
        onchange,
      },
    });
    const select = screen.getByTestId('env') as HTMLSelectElement;
    expect(screen.getByLabelText('Environment')).toBe(select);
    expect([...select.options].map((o) => o.value)).toEqual(['provider_sandbox', 'production']);
    expect(select.value).toBe('provider_sandbox');
    await fireEvent.change(select, { target: { value: 'production' } });
    expect(onchange).toHaveBeenCalledTimes(1);
  });
});

describe('Submission', () => {
  it('refuses without sending, keeps a failed command’s problem, and is busy only while it runs', async () => {
    const submission = new Submission();
    const command = vi.fn(async () => {});
    await submission.run(command, { refusal: 'refund_note_missing' });
    expect(command).not.toHaveBeenCalled();
    expect(submission.problem?.reason).toBe('refund_note_missing');

    const onfail = vi.fn();
    await submission.run(
      async () => {
        expect(submission.busy).toBe(true);
        throw { code: 'wrong_password', message: 'no', reason: 'wrong_password' };
      },
      { onfail },
    );
    expect(submission.busy).toBe(false);
    expect(onfail).toHaveBeenCalledTimes(1);
    expect(submission.problem).not.toBeNull();

    await submission.run(command);
    expect(command).toHaveBeenCalledTimes(1);
    expect(submission.problem).toBeNull();
  });
});

describe('Loaded', () => {
  it('keeps the latest value, the problem of a failed load, and only the latest load’s answer', async () => {
    const answers: Array<() => Promise<number>> = [];
    const loaded = new Loaded(() => answers.shift()!());
    answers.push(async () => 1);
    await loaded.load();
    expect(loaded.value).toBe(1);
    expect(loaded.loading).toBe(false);

    answers.push(async () => {
      throw { code: 'internal', message: 'down', reason: null };
    });
    await loaded.load();
    expect(loaded.problem?.code).toBe('internal');
    expect(loaded.value).toBe(1);

    let answerSlow: (value: number) => void = () => {};
    answers.push(() => new Promise((resolve) => (answerSlow = resolve)));
    answers.push(async () => 3);
    const slow = loaded.load();
    expect(loaded.loading).toBe(true);
    await loaded.load({ clear: true });
    answerSlow(2);
    await slow;
    expect(loaded.value).toBe(3);
    expect(loaded.problem).toBeNull();
  });

  it('drops the value while a clearing load runs', async () => {
    let answer: (value: string) => void = () => {};
    const loaded = new Loaded(() => new Promise<string>((resolve) => (answer = resolve)));
    const first = loaded.load();
    answer('a');
    await first;
    const second = loaded.load({ clear: true });
    expect(loaded.value).toBeNull();
    answer('b');
    await second;
    expect(loaded.value).toBe('b');
  });

  it('hands each answer that counts to `accept` before showing it, and no stale one', async () => {
    const answers: Array<(value: string) => void> = [];
    const accepted: Array<[string, string | null]> = [];
    const loaded: Loaded<string> = new Loaded(
      () => new Promise<string>((resolve) => answers.push(resolve)),
      (fresh) => accepted.push([fresh, loaded.value]),
    );
    const stale = loaded.load();
    const latest = loaded.load();
    answers[1]('new');
    await latest;
    answers[0]('old');
    await stale;
    expect(accepted).toEqual([['new', null]]);
    expect(loaded.value).toBe('new');
  });
});
