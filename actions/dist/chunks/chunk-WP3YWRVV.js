import { createRequire as __amlopsRequire } from 'node:module';
const require = __amlopsRequire(import.meta.url);
import{b as o}from"./chunk-MPFUZBMY.js";import{a as r}from"./chunk-ZOZRCUVM.js";function s(i,e){return new Promise((m,t)=>{if(e.aborted)return t(new o);let n=r(()=>{clearTimeout(u),t(new o)},"onAbort"),u=setTimeout(()=>{e.removeEventListener("abort",n),m()},i);e.addEventListener("abort",n,{once:!0})})}r(s,"sleep");export{s as a};
