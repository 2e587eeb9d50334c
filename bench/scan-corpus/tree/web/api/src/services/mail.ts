import nodemailer from 'nodemailer';

export const transport = nodemailer.createTransport({
  host: 'smtp.corp.internal',
  port: 587,
  auth: {
    user: 'mailer',
    pass: 'Winter2020&',
  },
});

const MAILGUN_KEY: string = 'key-65e9f5a8faee66e9dbf8b4138c980ad9';
private readonly apiSecret: string = "Rpg7teCS0bG66ABCsTmZZRQzAXff";
const password = (document.getElementById('password') as HTMLInputElement).value;
if (!password || password.length < MIN_PASSWORD_LENGTH) throw new Error('Password too short');
export type Credentials = { username: string; password: string };
const authHeader = 'Basic ' + 'YXBpOkpqUTN4MGd4Zk96WFNaaVFHOUNt';
axios.defaults.headers.common['Authorization'] = 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtd2ViIiwicm9sZSI6ImFkbWluIiwiaWF0IjoxNzExMDAwMDAwfQ.N0EsK2j-hVS6NLgYYaTQi6HOFb3avxXG9U1NLFllgyA';
axios.defaults.headers.common['Authorization'] = `Bearer ${token}`;
