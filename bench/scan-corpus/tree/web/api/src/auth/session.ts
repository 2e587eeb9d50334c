export const MAX_PASSWORD_LENGTH = 128;
const { password, ...rest } = req.body;
const secret = await secretsManager.getSecretValue({ SecretId: 'prod/api/jwt' }).promise();
const token = req.headers.authorization?.split(' ')[1];
const JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
const prefs = 'eyJ0aGVtZSI6ICJkYXJrIiwgImxhbmciOiAiZW4iLCAic2lkZWJhciI6IGZhbHNlfQ==';
apiKey: `${process.env.API_KEY}`,
password: '{{ password }}',
const passwordInput = screen.getByLabelText(/password/i);
const INTERNAL_TOKEN = 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ3ZWIiLCJyb2xlcyI6WyJpbnRlcm5hbCJdLCJpYXQiOjE3MTAwMDAwMDB9.UUgXPSm7o1hKGWiZX02L8ByWsTRB4Mx7mMvowz5DC_cSm0BiDdS4QIririNu51sRGE8BFnlJKpeVfxVzMYc-oA';
const webhookSecret = 'F3zt2ycXWOpJSi04DIzrqiE6HMu5pnUq';
export const adminPassword = "Comet2005#";
npm_config_registry=https://registry.npmjs.org/
export const SLACK_CHANNEL_ID = 'C0T3CYI7F7A';
export const SLACK_TEAM = 'T0GJ0B8EA0V';
const spinner = 'sk-spinner sk-fading-circle';
const model = 'claude-3-5-sonnet-20241022';
