export default { id: 'init', title: 'init', claim: 'TODO', source: 'TODO', async run() { throw new Error('not written'); } };
