export default { id: 'rectifiers', title: 'rectifiers', claim: 'TODO', source: 'TODO', async run() { throw new Error('not written'); } };
