import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTEBOOK_SYNTAX, detectSourceNotebook, languageForFileName } from '../../src/shared/workspace-types';

describe('notebook detection', () => {
  it('maps source extensions to languages, case-insensitively', () => {
    assert.equal(languageForFileName('a.py'), 'PYTHON');
    assert.equal(languageForFileName('a.SQL'), 'SQL');
    assert.equal(languageForFileName('a.scala'), 'SCALA');
    assert.equal(languageForFileName('a.R'), 'R');
    assert.equal(languageForFileName('a.txt'), undefined);
  });

  it('needs the exact header of the extension as the first line', () => {
    for (const syntax of Object.values(NOTEBOOK_SYNTAX)) {
      const name = `nb${syntax.extension}`;
      assert.equal(detectSourceNotebook(name, Buffer.from(`${syntax.header}\nx = 1\n`)), syntax.language);
      assert.equal(detectSourceNotebook(name, Buffer.from(`${syntax.header}\r\nx = 1\n`)), syntax.language);
      assert.equal(detectSourceNotebook(name, Buffer.from(syntax.header)), syntax.language);
      assert.equal(detectSourceNotebook(name, Buffer.from(`${syntax.header} extra\n`)), undefined);
      assert.equal(detectSourceNotebook(name, Buffer.from(` ${syntax.header}\n`)), undefined);
    }
    assert.equal(detectSourceNotebook('nb.sql', Buffer.from('# Databricks notebook source\n')), undefined);
    assert.equal(detectSourceNotebook('nb.txt', Buffer.from('# Databricks notebook source\n')), undefined);
  });
});
