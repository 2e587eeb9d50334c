import { initializeApp } from 'firebase/app';

const firebaseConfig = {
  apiKey: process.env.NEXT_PUBLIC_FIREBASE_API_KEY,
  authDomain: 'corp-web.firebaseapp.com',
  projectId: 'corp-web',
  appId: '1:254160782831:web:cfca60f1181ece88e6ca03',
  measurementId: 'G-20A45CMN7C',
};
export const app = initializeApp(firebaseConfig);
export const mapboxToken = 'pk.eyJ1IjoiY29ycC13ZWIiLCJhIjoiYc4OXtK14jewO5FioRWzwIn0.6Ww4-Ql9GixfBlWEwW6Lyq';
export const stripePublishable = 'pk_live_HgC138wPdGr9f9Vw2JiHiJ3WRRUxI8tpwERUx60okSUY3pDSM0GqVBqplboYPwClRyoGtVYPbfEdfAIYSeAJ7XKhKFZCBFUexli';
