import { describe, expect, it } from 'vitest';
import {
  checkDeskName,
  checkDisplayName,
  checkEnrolmentCode,
  checkIdleMinutes,
  checkPassword,
  checkPasswordConfirm,
  checkUsername,
} from './validation';

describe('validation', () => {
  it('checks usernames: 3–32 of a-z 0-9 . _ -', () => {
    expect(checkUsername('siti.r_2-x')).toBeNull();
    expect(checkUsername('abc')).toBeNull();
    expect(checkUsername('a'.repeat(32))).toBeNull();
    expect(checkUsername('ab')).toBe('username_invalid');
    expect(checkUsername('a'.repeat(33))).toBe('username_invalid');
    expect(checkUsername('Siti')).toBe('username_invalid');
    expect(checkUsername('siti rahma')).toBe('username_invalid');
    expect(checkUsername('sití')).toBe('username_invalid');
  });

  it('checks display names: 1–80 characters after trimming', () => {
    expect(checkDisplayName('Siti Rahmawati')).toBeNull();
    expect(checkDisplayName('   ')).toBe('display_name_invalid');
    expect(checkDisplayName('é'.repeat(80))).toBeNull();
    expect(checkDisplayName('x'.repeat(81))).toBe('display_name_invalid');
  });

  it('checks password length: 10–256', () => {
    expect(checkPassword('123456789')).toBe('password_too_short');
    expect(checkPassword('1234567890')).toBeNull();
    expect(checkPassword('x'.repeat(256))).toBeNull();
    expect(checkPassword('x'.repeat(257))).toBe('password_too_long');
  });

  it('checks enrolment codes as the back end reads them: 25 of Crockford base32, any case, dashes and spaces', () => {
    expect(checkEnrolmentCode('7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD')).toBeNull();
    expect(checkEnrolmentCode('7kq2m xh4pa 9trwb ce3nf g6yjd')).toBeNull();
    expect(checkEnrolmentCode('7KQ2MXH4PA9TRWBCE3NFG6YJD')).toBeNull();
    // O, I and L are read as 0, 1 and 1.
    expect(checkEnrolmentCode('OIL2M-XH4PA-9TRWB-CE3NF-G6YJD')).toBeNull();
    expect(checkEnrolmentCode('UKQ2M-XH4PA-9TRWB-CE3NF-G6YJD')).toBe('enrolment_code_format');
    expect(checkEnrolmentCode('7KQ2M-XH4PA-9TRWB-CE3NF-G6YJ')).toBe('enrolment_code_format');
    expect(checkEnrolmentCode('7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD7')).toBe('enrolment_code_format');
    expect(checkEnrolmentCode('7KQ2M_XH4PA_9TRWB_CE3NF_G6YJD')).toBe('enrolment_code_format');
  });

  it('checks desk names: 1–64 characters after trimming', () => {
    expect(checkDeskName('Finance, 2nd floor')).toBeNull();
    expect(checkDeskName('  ')).toBe('desk_name_length');
    expect(checkDeskName('é'.repeat(64))).toBeNull();
    expect(checkDeskName('x'.repeat(65))).toBe('desk_name_length');
  });

  it('checks the confirm field', () => {
    expect(checkPasswordConfirm('correct horse', 'correct horse')).toBeNull();
    expect(checkPasswordConfirm('correct horse', 'correct hose')).toBe('password_mismatch');
  });

  it('checks idle minutes: whole numbers 1–240', () => {
    expect(checkIdleMinutes(1)).toBeNull();
    expect(checkIdleMinutes(240)).toBeNull();
    expect(checkIdleMinutes(0)).toBe('idle_minutes_out_of_range');
    expect(checkIdleMinutes(241)).toBe('idle_minutes_out_of_range');
    expect(checkIdleMinutes(2.5)).toBe('idle_minutes_out_of_range');
    expect(checkIdleMinutes(Number.NaN)).toBe('idle_minutes_out_of_range');
  });
});
