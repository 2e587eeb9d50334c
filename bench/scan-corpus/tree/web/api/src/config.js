'use strict';

module.exports = {
  port: process.env.PORT || 3000,
  dbPassword: process.env.DB_PASSWORD,
  sessionSecret: 'vln5wIDAowN7VloHfTCxiTFVFOyN115J',
  githubToken: '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',
  githubAppToken: 'ghu_DXJLI2hKvko8qI9ja9K9ShpdxjqOvn3oekIs',
  githubRefresh: 'ghr_WlhFz4N9ENQco0t3w3euJRCljHPz6F6suJUc4ETPnV2rZmt52ZQs9J1GPN4dNCXPRSKCr40cPnh9',
  githubFineGrained: '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',
  sendgridKey: "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",
  passwordMinLength: 12,
  tokenHeader: 'x-auth-token',
  apiKey: process.env.API_KEY ?? '',
};
