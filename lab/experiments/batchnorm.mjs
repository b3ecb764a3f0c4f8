export default { id: 'batchnorm', title: 'batchnorm', claim: 'TODO', source: 'TODO', async run() { throw new Error('not written'); } };
