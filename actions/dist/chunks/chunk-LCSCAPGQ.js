import { createRequire as __amlopsRequire } from 'node:module';
const require = __amlopsRequire(import.meta.url);
import{b as e,c as r}from"./chunk-ZOZRCUVM.js";var p=r((s,i)=>{i.exports=e("node:http")});var q=r((t,o)=>{o.exports=e("node:https")});export{p as a,q as b};
