import { expect, type Page } from '@playwright/test';
import type { Lab } from '../src/lab/main';

/** Opens the kernel lab (lab.html) and waits for its backend; returns the backend's name. */
export async function openLab(page: Page, query = ''): Promise<string> {
  await page.goto(`./lab.html${query}`);
  await expect(page.locator('#lab-status')).not.toHaveText(/starting backend/, { timeout: 90_000 });
  return page.evaluate(async () => (await (window as unknown as { lab: Lab }).lab.ready).backend);
}

export type { Lab };
