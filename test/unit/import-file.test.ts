// An import file read as rows: a CSV's cells matched to its header row by row, a JSON Lines file line by line.
import { describe, expect, it } from 'vitest';
import { ImportFileError, rowsOf } from '../../src/cli/import-file.js';

describe('import file rows', () => {
  it('reads a CSV with a byte-order mark and CRLF ends, skipping empty lines and rows of empty cells', () => {
    const text =
      '\uFEFFwabaId,portfolioId,phoneNumber,displayName,ivr\r\n' +
      '1,2,+14155550100,Acme,true\r\n' +
      ',,,,\r\n' +
      '\r\n' +
      '1,2,"+14155550101","Acme, Sales",\r\n';
    expect(rowsOf(text, 'csv')).toEqual({
      rows: [
        {
          line: 2,
          fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155550100', displayName: 'Acme', ivr: true },
        },
        { line: 5, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155550101', displayName: 'Acme, Sales' } },
      ],
      unreadable: [],
    });
  });

  it("reads a spreadsheet's TRUE and FALSE as true and false", () => {
    const text = 'wabaId,portfolioId,phoneNumber,displayName,ivr,identityCheck\n1,2,+14155550100,Acme,TRUE,False\n';
    expect(rowsOf(text, 'csv').rows[0]?.fields).toMatchObject({ ivr: true, identityCheck: false });
    expect(rowsOf(text.replace('TRUE', 'yes'), 'csv').rows[0]?.fields).toMatchObject({ ivr: 'yes' }); // refused later
  });

  it('names the line a row begins on, a quoted line break in it counted once, CRLF or not', () => {
    for (const end of ['\n', '\r\n']) {
      const text = [
        'wabaId,portfolioId,phoneNumber,displayName',
        `1,2,+14155550100,"Acme${end}Sales"`,
        ' \t ',
        '1,2,+14155550101,Acme',
        '1,2,+1',
      ].join(end);
      const { rows, unreadable } = rowsOf(text, 'csv');
      expect(rows.map((r) => r.line)).toEqual([2, 5]);
      expect(unreadable.map((r) => r.line)).toEqual([6]);
    }
  });

  it('names a row whose cells do not match the header, and reads the others', () => {
    const text = 'wabaId,portfolioId,phoneNumber,displayName\n1,2,+14155550100\n1,2,+14155550101,Acme\n1,2,+1,Acme,x\n';
    expect(rowsOf(text, 'csv')).toEqual({
      rows: [{ line: 3, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155550101', displayName: 'Acme' } }],
      unreadable: [
        // What could be read goes along, so that the results file names the row's number.
        {
          line: 2,
          problems: ['row: has 3 cells where the header names 4 columns'],
          fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155550100' },
        },
        {
          line: 4,
          problems: ['row: has 5 cells where the header names 4 columns'],
          fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+1', displayName: 'Acme' },
        },
      ],
    });
  });

  it("reads a quote inside a cell that does not begin with one as the cell's text", () => {
    const read = rowsOf(
      'wabaId,portfolioId,phoneNumber,displayName\n1,2,+1,Joe "Best" Pizza\n1,2,+2,"Quoted, Inc"\n',
      'csv',
    );
    expect(read.rows.map((row) => (row.fields as { displayName?: string }).displayName)).toEqual([
      'Joe "Best" Pizza',
      'Quoted, Inc',
    ]);
  });

  it('reads past the empty columns a spreadsheet saves after the last named one, and names a semicolon-separated header', () => {
    const read = rowsOf('wabaId,portfolioId,phoneNumber,displayName,,\n1,2,+1,Acme,,\n1,2,+2,Beta\n', 'csv');
    expect(read).toEqual({
      rows: [
        { line: 2, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+1', displayName: 'Acme' } },
        { line: 3, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+2', displayName: 'Beta' } },
      ],
      unreadable: [],
    });
    expect(() => rowsOf('wabaId;portfolioId;phoneNumber;displayName\n1;2;+1;Acme\n', 'csv')).toThrow(
      'the header names "wabaId;portfolioId;phoneNumber;displayName", not journey start fields (the columns are separated by semicolons: save the file as CSV with commas)',
    );
  });

  it('refuses a header of unknown or repeated columns, and a CSV it cannot parse', () => {
    expect(() => rowsOf('wabaId,phone\n1,2\n', 'csv')).toThrow(/the header names "phone", not journey start fields/);
    expect(() => rowsOf('wabaId,wabaId\n1,2\n', 'csv')).toThrow(/the header names wabaId twice/);
    expect(() => rowsOf('wabaId\n"1\n', 'csv')).toThrow(ImportFileError);
    expect(rowsOf('', 'csv')).toEqual({ rows: [], unreadable: [] });
  });

  it('reads JSON Lines, naming a line that is not JSON', () => {
    expect(rowsOf('\uFEFF{"wabaId":"1"}\r\n\r\nnot json\n', 'jsonl')).toEqual({
      rows: [{ line: 1, fields: { wabaId: '1' } }],
      unreadable: [{ line: 3, problems: ['row: is not a JSON object on one line'] }],
    });
  });
});
