import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import EnrolDeskScreen from './EnrolDeskScreen.svelte';
import { currentLanguage, setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { refusal } from '../test/answers';
import { fakeBackend, freshEachTest, input, inputsSent, NO_ENROLMENT } from '../test/fixtures';
import type { EnrolDeskInput } from '../lib/ipc/types';

const LOCATION = 'postgres://ovo@db.example:5432/ledger';
const CODE = '7kq2m xh4pa-9trwb-ce3nf-g6yjd';

/** Renders the screen; what it was told when the desk is enrolled. */
function renderScreen() {
  const onenrolled = vi.fn();
  render(EnrolDeskScreen, { location: LOCATION, onenrolled });
  return onenrolled;
}

async function fill(code: string, deskName: string) {
  await fireEvent.input(input('enrol-code'), { target: { value: code } });
  await fireEvent.input(input('enrol-desk-name'), { target: { value: deskName } });
  await fireEvent.click(screen.getByTestId('enrol-submit'));
}

describe('EnrolDeskScreen', () => {
  freshEachTest(invoke, null);

  it('names the shared ledger, says where the code comes from, and labels its inputs', () => {
    renderScreen();
    expect(screen.getByTestId('enrol-location').textContent).toBe(LOCATION);
    const screenText = screen.getByTestId('screen-enrol').textContent;
    expect(screenText).toContain('not yet a desk of the shared ledger');
    expect(screenText).toContain('Settings → Ledger');
    expect(screen.getByLabelText('Enrolment code')).toBe(input('enrol-code'));
    expect(screen.getByLabelText('Name of this desk')).toBe(input('enrol-desk-name'));
    expect(input('enrol-code').getAttribute('autocomplete')).toBe('off');
    // The environment is not known before the back office opens.
    expect(screen.queryByTestId('environment-badge')).toBeNull();
  });

  it('switches the language without saving it (nothing can be saved yet)', async () => {
    renderScreen();
    await fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'id' } });
    expect(currentLanguage()).toBe('id');
    expect(screen.getByTestId('enrol-submit').textContent?.trim()).toBe('Daftarkan perangkat ini');
    expect(invoke).not.toHaveBeenCalled();
  });

  it('asks for both inputs, then refuses a code of the wrong shape, without calling the back end', async () => {
    const onenrolled = renderScreen();
    await fireEvent.click(screen.getByTestId('enrol-submit'));
    expect(screen.getByTestId('form-error').textContent).toContain('Enter the enrolment code and a name for this desk.');
    expect(input('enrol-code').getAttribute('aria-invalid')).toBe('true');

    await fill('7KQ2M-XH4PA', 'Finance, 2nd floor');
    expect(screen.getByTestId('form-error').textContent).toContain('25 letters and digits in five groups');
    expect(input('enrol-code').getAttribute('aria-invalid')).toBe('true');
    expect(input('enrol-desk-name').getAttribute('aria-invalid')).toBeNull();

    await fill(CODE, 'x'.repeat(65));
    expect(screen.getByTestId('form-error').textContent).toContain('1–64 characters');
    expect(input('enrol-desk-name').getAttribute('aria-invalid')).toBe('true');
    expect(invoke).not.toHaveBeenCalled();
    expect(onenrolled).not.toHaveBeenCalled();
  });

  it('enrols with the typed code and name, then lets the back office open', async () => {
    invoke.mockImplementation(fakeBackend({ enrol_desk: () => NO_ENROLMENT }));
    const onenrolled = renderScreen();
    await fill(` ${CODE} `, '  Finance, 2nd floor ');
    await waitFor(() => expect(onenrolled).toHaveBeenCalledTimes(1));
    expect(inputsSent<EnrolDeskInput>(invoke, 'enrol_desk')).toEqual([{ code: CODE, deskName: 'Finance, 2nd floor' }]);
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  it('shows a wrong code in plain words with the tries left, and keeps the form', async () => {
    const message = 'the code does not match enrolment 7KQ2M; 3 more tries before it ends';
    invoke.mockImplementation(fakeBackend({ enrol_desk: refusal('invalid_input', 'enrolment_code_wrong', message) }));
    const onenrolled = renderScreen();
    await fill(CODE, 'Finance');
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('The code does not match.');
    expect(error.textContent).toContain('3 more tries before it ends');
    expect(input('enrol-code').getAttribute('aria-invalid')).toBe('true');
    expect(input('enrol-code').value).toBe(CODE);
    expect(onenrolled).not.toHaveBeenCalled();
  });

  it.each([
    ['enrolment_code_expired', 'en', 'This code has expired (a code lasts 24 hours).'],
    ['enrolment_code_used', 'id', 'Kode ini sudah dipakai. Minta kode baru kepada administrator.'],
    ['enrolment_code_ended', 'id', 'Kode ini berakhir setelah terlalu banyak percobaan salah.'],
  ] as const)('translates %s', async (reason, language, text) => {
    setCurrentLanguage(language);
    invoke.mockImplementation(fakeBackend({ enrol_desk: refusal('invalid_input', reason, 'technical words') }));
    renderScreen();
    await fill(CODE, 'Finance');
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain(text);
    expect(error.textContent).not.toContain('technical words');
  });

  it('goes on when the desk was enrolled meanwhile', async () => {
    invoke.mockImplementation(
      fakeBackend({ enrol_desk: refusal('conflict', 'desk_enrolled_already', 'this desk is enrolled already') }),
    );
    const onenrolled = renderScreen();
    await fill(CODE, 'Finance');
    await waitFor(() => expect(onenrolled).toHaveBeenCalledTimes(1));
  });
});
