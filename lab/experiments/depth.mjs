export default { id: 'depth', title: 'depth', claim: 'TODO', source: 'TODO', async run() { throw new Error('not written'); } };
