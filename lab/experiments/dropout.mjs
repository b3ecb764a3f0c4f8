export default { id: 'dropout', title: 'dropout', claim: 'TODO', source: 'TODO', async run() { throw new Error('not written'); } };
