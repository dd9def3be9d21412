// openclaw-chat-card 0.1.0 (esbuild 0.28.2): built from frontend/ by scripts/build-card; do not edit.
var me=Object.defineProperty;var _e=(r,t,e)=>t in r?me(r,t,{enumerable:!0,configurable:!0,writable:!0,value:e}):r[t]=e;var M=(r,t,e)=>_e(r,typeof t!="symbol"?t+"":t,e);var V=globalThis,j=V.ShadowRoot&&(V.ShadyCSS===void 0||V.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,st=Symbol(),yt=new WeakMap,H=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==st)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(j&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=yt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&yt.set(e,t))}return t}toString(){return this.cssText}},bt=r=>new H(typeof r=="string"?r:r+"",void 0,st),rt=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((s,i,n)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+r[n+1],r[0]);return new H(e,r,st)},xt=(r,t)=>{if(j)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),i=V.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=e.cssText,r.appendChild(s)}},it=j?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return bt(e)})(r):r;var{is:ge,defineProperty:$e,getOwnPropertyDescriptor:ye,getOwnPropertyNames:be,getOwnPropertySymbols:xe,getPrototypeOf:ve}=Object,q=globalThis,vt=q.trustedTypes,Ae=vt?vt.emptyScript:"",we=q.reactiveElementPolyfillSupport,O=(r,t)=>r,nt={toAttribute(r,t){switch(t){case Boolean:r=r?Ae:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},wt=(r,t)=>!ge(r,t),At={attribute:!0,type:String,converter:nt,reflect:!1,useDefault:!1,hasChanged:wt};Symbol.metadata??=Symbol("metadata"),q.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=At){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(t,s,e);i!==void 0&&$e(this.prototype,t,i)}}static getPropertyDescriptor(t,e,s){let{get:i,set:n}=ye(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:i,set(o){let c=i?.call(this);n?.call(this,o),this.requestUpdate(t,c,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??At}static _$Ei(){if(this.hasOwnProperty(O("elementProperties")))return;let t=ve(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(O("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(O("properties"))){let e=this.properties,s=[...be(e),...xe(e)];for(let i of s)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,i]of e)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let i=this._$Eu(e,s);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let i of s)e.unshift(it(i))}else t!==void 0&&e.push(it(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return xt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,s);if(i!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:nt).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(i):this.setAttribute(i,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,i=s._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let n=s.getPropertyOptions(i),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:nt;this._$Em=i;let c=o.fromAttribute(e,n.type);this[i]=c??this._$Ej?.get(i)??c,this._$Em=null}}requestUpdate(t,e,s,i=!1,n){if(t!==void 0){let o=this.constructor;if(i===!1&&(n=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??wt)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:i,wrapped:n},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),n!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,n]of this._$Ep)this[i]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,n]of s){let{wrapped:o}=n,c=this[i];o!==!0||this._$AL.has(i)||c===void 0||this.C(i,void 0,n,c)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[O("elementProperties")]=new Map,b[O("finalized")]=new Map,we?.({ReactiveElement:b}),(q.reactiveElementVersions??=[]).push("2.1.2");var at=globalThis,Et=r=>r,F=at.trustedTypes,St=F?F.createPolicy("lit-html",{createHTML:r=>r}):void 0,lt="$lit$",x=`lit$${Math.random().toFixed(9).slice(2)}$`,ct="?"+x,Ee=`<${ct}>`,S=document,U=()=>S.createComment(""),D=r=>r===null||typeof r!="object"&&typeof r!="function",ht=Array.isArray,Mt=r=>ht(r)||typeof r?.[Symbol.iterator]=="function",ot=`[ 	
\f\r]`,I=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ct=/-->/g,Tt=/>/g,w=RegExp(`>|${ot}(?:([^\\s"'>=/]+)(${ot}*=${ot}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),kt=/'/g,Pt=/"/g,Ht=/^(?:script|style|textarea|title)$/i,dt=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),f=dt(1),We=dt(2),Ye=dt(3),v=Symbol.for("lit-noChange"),d=Symbol.for("lit-nothing"),Rt=new WeakMap,E=S.createTreeWalker(S,129);function Ot(r,t){if(!ht(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return St!==void 0?St.createHTML(t):t}var It=(r,t)=>{let e=r.length-1,s=[],i,n=t===2?"<svg>":t===3?"<math>":"",o=I;for(let c=0;c<e;c++){let a=r[c],h,m,l=-1,u=0;for(;u<a.length&&(o.lastIndex=u,m=o.exec(a),m!==null);)u=o.lastIndex,o===I?m[1]==="!--"?o=Ct:m[1]!==void 0?o=Tt:m[2]!==void 0?(Ht.test(m[2])&&(i=RegExp("</"+m[2],"g")),o=w):m[3]!==void 0&&(o=w):o===w?m[0]===">"?(o=i??I,l=-1):m[1]===void 0?l=-2:(l=o.lastIndex-m[2].length,h=m[1],o=m[3]===void 0?w:m[3]==='"'?Pt:kt):o===Pt||o===kt?o=w:o===Ct||o===Tt?o=I:(o=w,i=void 0);let p=o===w&&r[c+1].startsWith("/>")?" ":"";n+=o===I?a+Ee:l>=0?(s.push(h),a.slice(0,l)+lt+a.slice(l)+x+p):a+x+(l===-2?c:p)}return[Ot(r,n+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},L=class r{constructor({strings:t,_$litType$:e},s){let i;this.parts=[];let n=0,o=0,c=t.length-1,a=this.parts,[h,m]=It(t,e);if(this.el=r.createElement(h,s),E.currentNode=this.el.content,e===2||e===3){let l=this.el.content.firstChild;l.replaceWith(...l.childNodes)}for(;(i=E.nextNode())!==null&&a.length<c;){if(i.nodeType===1){if(i.hasAttributes())for(let l of i.getAttributeNames())if(l.endsWith(lt)){let u=m[o++],p=i.getAttribute(l).split(x),g=/([.?@])?(.*)/.exec(u);a.push({type:1,index:n,name:g[2],strings:p,ctor:g[1]==="."?K:g[1]==="?"?W:g[1]==="@"?Y:T}),i.removeAttribute(l)}else l.startsWith(x)&&(a.push({type:6,index:n}),i.removeAttribute(l));if(Ht.test(i.tagName)){let l=i.textContent.split(x),u=l.length-1;if(u>0){i.textContent=F?F.emptyScript:"";for(let p=0;p<u;p++)i.append(l[p],U()),E.nextNode(),a.push({type:2,index:++n});i.append(l[u],U())}}}else if(i.nodeType===8)if(i.data===ct)a.push({type:2,index:n});else{let l=-1;for(;(l=i.data.indexOf(x,l+1))!==-1;)a.push({type:7,index:n}),l+=x.length-1}n++}}static createElement(t,e){let s=S.createElement("template");return s.innerHTML=t,s}};function C(r,t,e=r,s){if(t===v)return t;let i=s!==void 0?e._$Co?.[s]:e._$Cl,n=D(t)?void 0:t._$litDirective$;return i?.constructor!==n&&(i?._$AO?.(!1),n===void 0?i=void 0:(i=new n(r),i._$AT(r,e,s)),s!==void 0?(e._$Co??=[])[s]=i:e._$Cl=i),i!==void 0&&(t=C(r,i._$AS(r,t.values),i,s)),t}var G=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,i=(t?.creationScope??S).importNode(e,!0);E.currentNode=i;let n=E.nextNode(),o=0,c=0,a=s[0];for(;a!==void 0;){if(o===a.index){let h;a.type===2?h=new P(n,n.nextSibling,this,t):a.type===1?h=new a.ctor(n,a.name,a.strings,this,t):a.type===6&&(h=new X(n,this,t)),this._$AV.push(h),a=s[++c]}o!==a?.index&&(n=E.nextNode(),o++)}return E.currentNode=S,i}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},P=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,i){this.type=2,this._$AH=d,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=C(this,t,e),D(t)?t===d||t==null||t===""?(this._$AH!==d&&this._$AR(),this._$AH=d):t!==this._$AH&&t!==v&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Mt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==d&&D(this._$AH)?this._$AA.nextSibling.data=t:this.T(S.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,i=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=L.createElement(Ot(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(e);else{let n=new G(i,this),o=n.u(this.options);n.p(e),this.T(o),this._$AH=n}}_$AC(t){let e=Rt.get(t.strings);return e===void 0&&Rt.set(t.strings,e=new L(t)),e}k(t){ht(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,i=0;for(let n of t)i===e.length?e.push(s=new r(this.O(U()),this.O(U()),this,this.options)):s=e[i],s._$AI(n),i++;i<e.length&&(this._$AR(s&&s._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=Et(t).nextSibling;Et(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},T=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,i,n){this.type=1,this._$AH=d,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=d}_$AI(t,e=this,s,i){let n=this.strings,o=!1;if(n===void 0)t=C(this,t,e,0),o=!D(t)||t!==this._$AH&&t!==v,o&&(this._$AH=t);else{let c=t,a,h;for(t=n[0],a=0;a<n.length-1;a++)h=C(this,c[s+a],e,a),h===v&&(h=this._$AH[a]),o||=!D(h)||h!==this._$AH[a],h===d?t=d:t!==d&&(t+=(h??"")+n[a+1]),this._$AH[a]=h}o&&!i&&this.j(t)}j(t){t===d?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},K=class extends T{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===d?void 0:t}},W=class extends T{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==d)}},Y=class extends T{constructor(t,e,s,i,n){super(t,e,s,i,n),this.type=5}_$AI(t,e=this){if((t=C(this,t,e,0)??d)===v)return;let s=this._$AH,i=t===d&&s!==d||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==d&&(s===d||i);i&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},X=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){C(this,t)}},Ut={M:lt,P:x,A:ct,C:1,L:It,R:G,D:Mt,V:C,I:P,H:T,N:W,U:Y,B:K,F:X},Se=at.litHtmlPolyfillSupport;Se?.(L,P),(at.litHtmlVersions??=[]).push("3.3.3");var Dt=(r,t,e)=>{let s=e?.renderBefore??t,i=s._$litPart$;if(i===void 0){let n=e?.renderBefore??null;s._$litPart$=i=new P(t.insertBefore(U(),n),n,void 0,e??{})}return i._$AI(r),i};var pt=globalThis,$=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Dt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return v}};$._$litElement$=!0,$.finalized=!0,pt.litElementHydrateSupport?.({LitElement:$});var Ce=pt.litElementPolyfillSupport;Ce?.({LitElement:$});(pt.litElementVersions??=[]).push("4.2.2");var Lt={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Nt=r=>(...t)=>({_$litDirective$:r,values:t}),Z=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,s){this._$Ct=t,this._$AM=e,this._$Ci=s}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:Te}=Ut,Bt=r=>r;var zt=()=>document.createComment(""),R=(r,t,e)=>{let s=r._$AA.parentNode,i=t===void 0?r._$AB:t._$AA;if(e===void 0){let n=s.insertBefore(zt(),i),o=s.insertBefore(zt(),i);e=new Te(n,o,r,r.options)}else{let n=e._$AB.nextSibling,o=e._$AM,c=o!==r;if(c){let a;e._$AQ?.(r),e._$AM=r,e._$AP!==void 0&&(a=r._$AU)!==o._$AU&&e._$AP(a)}if(n!==i||c){let a=e._$AA;for(;a!==n;){let h=Bt(a).nextSibling;Bt(s).insertBefore(a,i),a=h}}}return e},A=(r,t,e=r)=>(r._$AI(t,e),r),ke={},Vt=(r,t=ke)=>r._$AH=t,jt=r=>r._$AH,J=r=>{r._$AR(),r._$AA.remove()};var qt=(r,t,e)=>{let s=new Map;for(let i=t;i<=e;i++)s.set(r[i],i);return s},Ft=Nt(class extends Z{constructor(r){if(super(r),r.type!==Lt.CHILD)throw Error("repeat() can only be used in text expressions")}dt(r,t,e){let s;e===void 0?e=t:t!==void 0&&(s=t);let i=[],n=[],o=0;for(let c of r)i[o]=s?s(c,o):o,n[o]=e(c,o),o++;return{values:n,keys:i}}render(r,t,e){return this.dt(r,t,e).values}update(r,[t,e,s]){let i=jt(r),{values:n,keys:o}=this.dt(t,e,s);if(!Array.isArray(i))return this.ut=o,n;let c=this.ut??=[],a=[],h,m,l=0,u=i.length-1,p=0,g=n.length-1;for(;l<=u&&p<=g;)if(i[l]===null)l++;else if(i[u]===null)u--;else if(c[l]===o[p])a[p]=A(i[l],n[p]),l++,p++;else if(c[u]===o[g])a[g]=A(i[u],n[g]),u--,g--;else if(c[l]===o[g])a[g]=A(i[l],n[g]),R(r,a[g+1],i[l]),l++,g--;else if(c[u]===o[p])a[p]=A(i[u],n[p]),R(r,i[l],i[u]),u--,p++;else if(h===void 0&&(h=qt(o,p,g),m=qt(c,l,u)),h.has(c[l]))if(h.has(c[u])){let y=m.get(o[p]),et=y!==void 0?i[y]:null;if(et===null){let $t=R(r,i[l]);A($t,n[p]),a[p]=$t}else a[p]=A(et,n[p]),R(r,i[l],et),i[y]=null;p++}else J(i[u]),u--;else J(i[l]),l++;for(;p<=g;){let y=R(r,a[g+1]);A(y,n[p]),a[p++]=y}for(;l<=u;){let y=i[l++];y!==null&&J(y)}return this.ut=o,Vt(r,a),v}});function Gt(r,t){let e=(s,i)=>r().callWS({type:s,entity_id:t,...i});return{subscribe:s=>r().connection.subscribeMessage(s,{type:"openclaw/chat/subscribe",entity_id:t}),history:s=>e("openclaw/chat/history",s),send:s=>e("openclaw/chat/send",s),abort:s=>e("openclaw/chat/abort",s)}}var k="openclaw-chat-card",ut="420px",Kt=[{name:"entity",required:!0,selector:{entity:{filter:{integration:"openclaw",domain:"sensor",device_class:"enum"}}}},{name:"title",selector:{text:{}}},{name:"height",selector:{text:{}}}],Wt={entity:"Session (its run state sensor)",title:"Title (default: the session's name)",height:`Height of the conversation in masonry dashboards (default ${ut})`};function Yt(r){if(!r||typeof r!="object")throw new Error("Invalid configuration");if(typeof r.entity!="string"||!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(r.entity))throw new Error("Choose an OpenClaw session: set `entity` to its run state sensor");if(r.title!==void 0&&typeof r.title!="string")throw new Error("`title` must be text");if(r.height!==void 0&&!/^\d+(\.\d+)?(px|em|rem|vh|dvh|svh)$/.test(r.height))throw new Error("`height` must be a CSS length such as 420px or 60vh");return r}function Xt(r,t){let e={...r,...t,type:r.type??`custom:${k}`};for(let s of["title","height"])typeof e[s]=="string"&&e[s].trim()===""&&delete e[s];return e}function Zt(r){return{entity:Object.values(r?.entities??{}).find(s=>s.platform==="openclaw"&&s.translation_key==="run_state")?.entity_id??""}}function mt(r){return typeof r.seq=="number"?`s${r.seq}`:`l:${r.role}:${r.run_id??""}:${r.timestamp??""}:${r.text.slice(0,40)}`}function Jt(r){return r.every(t=>typeof t.seq=="number")?[...r].sort((t,e)=>t.seq-e.seq):r}function Qt(r){let t=new Set,e=[];for(let s of r){let i=mt(s);t.has(i)||(t.add(i),e.push(s))}return e}function te(r,t){return Jt(Qt([...t,...r]))}function ee(r,t){let e=t.filter(a=>!a.local),s=new Set(e.filter(a=>a.run_id).map(a=>`${a.role}:${a.run_id}`)),i=new Set(e.filter(a=>a.role==="user").map(a=>a.text)),n=e.some(a=>a.run_id),o=r.filter(a=>a.local?!(a.run_id&&s.has(`${a.role}:${a.run_id}`)||a.pending&&!n&&i.has(a.text)):!0);return[...Jt(Qt([...o.filter(a=>!a.local),...e])),...o.filter(a=>a.local)]}function ft(r=null){return{runId:r,text:"",state:"running",error:null}}function se(r,t){switch(t.type){case"snapshot":return t.run_state==="running"?{...ft(t.run_id),text:t.text??""}:null;case"started":return ft(t.run_id);case"delta":{let e=r&&r.runId===t.run_id?r:ft(t.run_id);return{...e,text:t.replaced?t.delta:e.text+t.delta}}case"end":return{runId:t.run_id,text:t.text??"",state:t.state,error:t.error??null};default:return r}}function re(r,t){switch(t.type){case"snapshot":return t.run_state;case"started":case"delta":return"running";case"end":return t.state==="final"?"idle":t.state;default:return r}}function ie(r){return{role:"assistant",text:r.text,run_id:r.runId,local:!0,state:r.state,error:r.error}}var Pe=30,Re=5e3;function Me(r=globalThis.crypto){let t=r.getRandomValues(new Uint8Array(16));t[6]=t[6]&15|64,t[8]=t[8]&63|128;let e=[...t].map(s=>s.toString(16).padStart(2,"0")).join("");return`${e.slice(0,8)}-${e.slice(8,12)}-${e.slice(12,16)}-${e.slice(16,20)}-${e.slice(20)}`}function N(r){return r&&typeof r=="object"&&typeof r.message=="string"?r.message:String(r)}var Q=class{constructor(t,e={}){this.api=t,this.pageSize=e.pageSize??Pe,this.onChange=e.onChange??(()=>{}),this.retryDelay=e.retryDelay??Re,this.timers=e.timers??globalThis,this.state={title:null,connected:!0,runState:"idle",live:null,rows:[],cursor:null,hasMore:!1,loaded:!1,loadingOlder:!1,sending:!1,error:null},this._active=!1,this._unsub=null,this._timer=null,this._reloads=0}_set(t){this.state={...this.state,...t},this.onChange(this.state)}async start(){this._active||(this._active=!0,await this._subscribe())}stop(){this._active=!1,this._dropSubscription(),this._timer!==null&&(this.timers.clearTimeout(this._timer),this._timer=null)}_dropSubscription(){let t=this._unsub;this._unsub=null,t&&Promise.resolve(t()).catch(()=>{})}async _subscribe(){this._timer=null;try{let t=await this.api.subscribe(e=>this._onEvent(e));if(!this._active){Promise.resolve(t()).catch(()=>{});return}this._unsub=t}catch(t){this._set({error:N(t),connected:!1}),this._retry()}}_retry(){this._active&&this._timer===null&&(this._timer=this.timers.setTimeout(()=>this._subscribe(),this.retryDelay))}_onEvent(t){if(!this._active)return;if(t.type==="closed"){this._dropSubscription(),this._set({connected:!1}),this._retry();return}if(t.type==="connection"){this._set({connected:t.connected}),t.connected&&this.reloadNewest();return}let e={runState:re(this.state.runState,t),live:se(this.state.live,t)};t.type==="snapshot"&&(e.title=t.title??null,e.connected=t.connected,e.error=null),this._set(e),(t.type==="snapshot"||t.type==="end")&&this.reloadNewest()}async reloadNewest(){let t=++this._reloads,e;try{e=await this.api.history({limit:this.pageSize})}catch(o){t===this._reloads&&this._set({error:N(o)});return}if(!this._active||t!==this._reloads)return;let s=ee(this.state.rows,e.messages),i={rows:s};this.state.loaded||(i.loaded=!0,i.cursor=e.next_cursor??null,i.hasMore=!!(e.has_more&&e.next_cursor));let n=this.state.live;n&&n.state!=="running"&&(!this._transcriptHas(s,n)&&n.text&&(s=[...s,ie(n)]),i.rows=s,i.live=null),this._set(i)}_transcriptHas(t,e){let s=t.filter(i=>!i.local&&i.role==="assistant");return s.some(i=>i.run_id===e.runId)?!0:!s.some(i=>i.run_id)&&s.some(i=>i.text===e.text)}async loadOlder(){let{hasMore:t,cursor:e,loadingOlder:s}=this.state;if(!t||!e||s)return!1;this._set({loadingOlder:!0});try{let i=await this.api.history({limit:this.pageSize,cursor:e});return this._set({rows:te(this.state.rows,i.messages),cursor:i.next_cursor??null,hasMore:!!(i.has_more&&i.next_cursor),loadingOlder:!1}),!0}catch(i){return this._set({loadingOlder:!1,error:N(i)}),!1}}async send(t,e=[]){let s=t.trim();if(!s&&e.length===0)return!1;let i=Me(),n={role:"user",text:s,run_id:i,local:!0,pending:!0,timestamp:new Date().toISOString()};e.length&&(n.images=e.length),this._set({rows:[...this.state.rows,n],sending:!0,error:null});try{return await this.api.send({message:s,attachments:e,idempotency_key:i}),this._set({sending:!1}),!0}catch(o){return this._set({rows:this.state.rows.filter(c=>c!==n),sending:!1,error:N(o)}),!1}}async abort(){let t=this.state.live,e=t&&t.state==="running"&&t.runId?{run_id:t.runId}:{};try{await this.api.abort(e)}catch(s){this._set({error:N(s)})}}dismissError(){this._set({error:null})}};async function He(){if(customElements.get("ha-form"))return;await(await window.loadCardHelpers?.())?.createCardElement({type:"entities",entities:[]})?.constructor?.getConfigElement?.()}var B=class extends ${setConfig(t){this._config=t}connectedCallback(){super.connectedCallback(),this._ready=!!customElements.get("ha-form"),this._ready||He().catch(()=>{}).finally(()=>{this._ready=!0})}render(){return!this._config||!this.hass||!this._ready?d:f`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${Kt}
      .computeLabel=${t=>Wt[t.name]??t.name}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(t){t.stopPropagation();let e=Xt(this._config,t.detail.value);this._config=e,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};M(B,"properties",{hass:{attribute:!1},_config:{state:!0},_ready:{state:!0}});var Oe=["image/png","image/jpeg","image/gif","image/webp"];function Ie(r,t,e=1600){let s=Math.min(1,e/Math.max(r,t,1));return{width:Math.max(1,Math.round(r*s)),height:Math.max(1,Math.round(t*s))}}function Ue(r,t,e,s,i=1600){return Oe.includes(r)&&t<=1e6&&Math.max(e,s)<=i}function ne(r){return new Promise((t,e)=>{let s=new FileReader;s.onload=()=>t(s.result),s.onerror=()=>e(s.error),s.readAsDataURL(r)})}async function oe(r){let t=await createImageBitmap(r);try{if(Ue(r.type,r.size,t.width,t.height)){let a=await ne(r);return{content:a,mime_type:r.type,file_name:r.name,preview:a}}let{width:e,height:s}=Ie(t.width,t.height),i=document.createElement("canvas");i.width=e,i.height=s,i.getContext("2d").drawImage(t,0,0,e,s);let n=await new Promise(a=>i.toBlob(a,"image/jpeg",.85)),o=await ne(n),c=(r.name||"image").replace(/\.[^.]*$/,"")+".jpg";return{content:o,mime_type:"image/jpeg",file_name:c,preview:o}}finally{t.close()}}var ae=null;function tt(){return!!customElements.get("ha-markdown")}function le(r=1e4){return tt()?Promise.resolve(!0):(ae??=(async()=>{try{(await window.loadCardHelpers?.())?.createCardElement({type:"markdown",content:""}),await Promise.race([customElements.whenDefined("ha-markdown"),new Promise(e=>setTimeout(e,r))])}catch{}return tt()})(),ae)}function _t(r=globalThis){return!!(r.CustomElementRegistryPolyfill||r.customElements?.get("home-assistant"))}async function ce(r=globalThis,{intervalMs:t=20,limitMs:e=15e3}={}){let s=Date.now();for(;!_t(r)&&Date.now()-s<e;)await new Promise(i=>setTimeout(i,t))}var De={placeholder:"Message",send:"Send",stop:"Stop",attach:"Attach image",remove:"Remove",older:"Loading older messages…",start:"No messages yet. Say hello!",disconnected:"Disconnected",aborted:"Stopped",error:"Failed",dismiss:"Dismiss",image:"image",images:"images",choose_entity:"Choose an OpenClaw session (its run state sensor)."},Le={idle:"Idle",running:"Running",aborted:"Aborted",error:"Error"};function _(r){return De[r]??r}function he(r,t){let e=`component.openclaw.entity.sensor.run_state.state.${t}`;return r?.localize?.(e)||Le[t]||t}var de=rt`
  :host {
    display: block;
  }
  ha-card {
    display: flex;
    flex-direction: column;
    overflow: hidden;
    height: 100%;
  }
  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 16px 8px;
    min-width: 0;
  }
  .title {
    flex: 1;
    min-width: 0;
    font-size: var(--ha-card-header-font-size, 1.25rem);
    color: var(--ha-card-header-color, var(--primary-text-color));
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .state {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    flex: none;
    font-size: 0.8125rem;
    color: var(--secondary-text-color);
  }
  .dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--disabled-text-color, #bdbdbd);
  }
  .state[data-state="running"] .dot {
    background: var(--primary-color);
    animation: pulse 1.2s ease-in-out infinite;
  }
  .state[data-state="error"] .dot,
  .state[data-state="disconnected"] .dot {
    background: var(--error-color, #db4437);
  }
  .state[data-state="aborted"] .dot {
    background: var(--warning-color, #ffa600);
  }
  @keyframes pulse {
    50% {
      opacity: 0.3;
    }
  }
  .transcript {
    flex: 1 1 auto;
    min-height: 120px;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 4px 12px 8px;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .notice {
    align-self: center;
    color: var(--secondary-text-color);
    font-size: 0.875rem;
    padding: 8px;
  }
  .row {
    display: flex;
    flex-direction: column;
    max-width: 85%;
    min-width: 0;
  }
  .row.user {
    align-self: flex-end;
    align-items: flex-end;
  }
  .row.assistant {
    align-self: flex-start;
  }
  .bubble {
    padding: 8px 12px;
    border-radius: 16px;
    line-height: 1.4;
    overflow-wrap: anywhere;
    min-width: 0;
    max-width: 100%;
    box-sizing: border-box;
  }
  .user .bubble {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
    border-bottom-right-radius: 4px;
    white-space: pre-wrap;
  }
  .assistant .bubble {
    background: var(--secondary-background-color, #f0f0f0);
    color: var(--primary-text-color);
    border-bottom-left-radius: 4px;
  }
  .pending .bubble {
    opacity: 0.7;
  }
  .plain {
    white-space: pre-wrap;
  }
  ha-markdown {
    display: block;
  }
  .meta {
    font-size: 0.75rem;
    color: var(--secondary-text-color);
    padding: 2px 6px 0;
  }
  .meta.error {
    color: var(--error-color, #db4437);
  }
  .typing::after {
    content: "▍";
    animation: pulse 1s steps(1) infinite;
  }
  .error-banner {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0 12px 8px;
    padding: 8px 12px;
    border-radius: 8px;
    background: rgba(var(--rgb-error-color, 219, 68, 55), 0.12);
    color: var(--error-color, #db4437);
    font-size: 0.875rem;
  }
  .error-banner span {
    flex: 1;
    overflow-wrap: anywhere;
  }
  .attachments {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    padding: 0 12px 8px;
  }
  .thumb {
    position: relative;
  }
  .thumb img {
    width: 56px;
    height: 56px;
    object-fit: cover;
    border-radius: 8px;
    display: block;
  }
  .thumb button {
    position: absolute;
    top: -6px;
    right: -6px;
    width: 22px;
    height: 22px;
    padding: 0;
    border-radius: 50%;
    font-size: 14px;
    line-height: 20px;
  }
  form {
    display: flex;
    align-items: flex-end;
    gap: 6px;
    padding: 8px 8px 12px 12px;
    border-top: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
  }
  textarea {
    flex: 1;
    min-width: 0;
    resize: none;
    box-sizing: border-box;
    max-height: 8em;
    padding: 9px 12px;
    font: inherit;
    font-size: 1rem;
    color: var(--primary-text-color);
    background: var(--card-background-color, var(--primary-background-color, #fff));
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.24));
    border-radius: 20px;
    outline: none;
  }
  textarea:focus {
    border-color: var(--primary-color);
  }
  button {
    flex: none;
    cursor: pointer;
    border: none;
    color: var(--primary-text-color);
    background: var(--secondary-background-color, #e0e0e0);
    font: inherit;
  }
  button:disabled {
    cursor: default;
    opacity: 0.4;
  }
  .icon {
    width: 40px;
    height: 40px;
    border-radius: 50%;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    padding: 0;
  }
  .icon svg {
    width: 22px;
    height: 22px;
    fill: currentColor;
  }
  .send {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
  }
  .stop {
    background: var(--error-color, #db4437);
    color: var(--text-primary-color, #fff);
  }
  .plain-button {
    background: none;
    color: inherit;
    padding: 4px;
  }
  input[type="file"] {
    display: none;
  }
`;var Ne="0.1.0",Be="M2,21L23,12L2,3V10L17,12L2,14V21Z",ze="M18,18H6V6H18V18Z",Ve="M13 19C13 19.7 13.13 20.37 13.35 21H5C3.9 21 3 20.11 3 19V5C3 3.9 3.9 3 5 3H19C20.11 3 21 3.9 21 5V13.35C20.37 13.13 19.7 13 19 13V5H5V19H13M13.96 12.29L11.21 15.83L9.25 13.47L6.5 17H13.35C13.75 15.88 14.47 14.91 15.4 14.21L13.96 12.29M20 18V15H18V18H15V20H18V23H20V20H23V18H20Z",ue=48,gt=r=>f`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${r}></path></svg>`,z=class extends ${constructor(){super(),this._draft="",this._images=[],this._markdown=tt(),this._controller=null,this._stick=!0,this._resize=null}static getConfigElement(){return document.createElement(`${k}-editor`)}static getStubConfig(t){return Zt(t)}setConfig(t){Yt(t);let e=this._config?.entity!==t.entity;this._config=t,e&&this._controller&&(this._stopController(),this._startController())}getCardSize(){return 8}getGridOptions(){return{columns:12,min_columns:4,rows:8,min_rows:4}}connectedCallback(){super.connectedCallback(),this._startController()}disconnectedCallback(){super.disconnectedCallback(),this._stopController(),this._resize?.disconnect(),this._resize=null}willUpdate(t){t.has("hass")&&this._startController()}_startController(){if(this._controller||!this.hass||!this._config||!this.isConnected)return;let t=new Q(Gt(()=>this.hass,this._config.entity),{onChange:e=>{t===this._controller&&(this._view=e)}});this._controller=t,this._view=t.state,this._stick=!0,t.start(),this._markdown||le().then(e=>{this._markdown=e})}_stopController(){this._controller?.stop(),this._controller=null}get _scroller(){return this.renderRoot?.querySelector(".transcript")}firstUpdated(){this._resize=new ResizeObserver(()=>this._keepBottom());let t=this.renderRoot.querySelector(".content");t&&this._resize.observe(t)}updated(){this._keepBottom();let t=this._view,e=this._scroller;e&&t?.loaded&&t.hasMore&&!t.loadingOlder&&e.scrollHeight<=e.clientHeight&&this._loadOlder()}_keepBottom(){let t=this._scroller;t&&this._stick&&(t.scrollTop=t.scrollHeight)}_onScroll(){let t=this._scroller;t&&(this._stick=t.scrollHeight-t.scrollTop-t.clientHeight<ue,t.scrollTop<ue&&this._loadOlder())}async _loadOlder(){let t=this._scroller,e=this._controller;if(!t||!e||!e.state.hasMore||e.state.loadingOlder)return;let s=t.scrollHeight-t.scrollTop;await e.loadOlder()&&(await this.updateComplete,t.scrollTop=t.scrollHeight-s)}_onInput(t){this._draft=t.target.value,this._fitTextarea(t.target)}_fitTextarea(t){t.style.height="auto",t.style.height=`${t.scrollHeight+2}px`}_onKeyDown(t){t.key==="Enter"&&!t.shiftKey&&!t.isComposing&&(t.preventDefault(),this._send())}async _send(t){t?.preventDefault();let e=this._controller;if(!e||e.state.sending)return;let s=this._draft,i=this._images;if(!s.trim()&&i.length===0)return;this._draft="",this._images=[],this._stick=!0;let n=this.renderRoot.querySelector("textarea");n&&(n.value="",this._fitTextarea(n));let o=i.map(({content:c,mime_type:a,file_name:h})=>({content:c,mime_type:a,file_name:h}));!await e.send(s,o)&&!this._draft&&this._images.length===0&&(this._draft=s,this._images=i,n&&(n.value=s))}_stop(){this._controller?.abort()}_pickImages(){this.renderRoot.querySelector("input[type=file]")?.click()}async _onFiles(t){let e=t.target,s=[...e.files??[]].slice(0,4-this._images.length);e.value="";for(let i of s)try{this._images=[...this._images,await oe(i)]}catch(n){this._controller?._set({error:`${i.name}: ${n?.message??n}`})}}_removeImage(t){this._images=this._images.filter((e,s)=>s!==t)}_title(){if(this._config.title)return this._config.title;let t=this.hass?.states?.[this._config.entity];return this._view?.title||t?.attributes?.friendly_name||this._config.entity}_renderText(t,e=!1){return!t&&e?f`<span class="typing"></span>`:this._markdown?f`<ha-markdown breaks .content=${t}></ha-markdown>`:f`<div class="plain">${t}</div>`}_renderImages(t){return t?f`<div class="meta">🖼 ${t} ${_(t===1?"image":"images")}</div>`:d}_renderRow(t){let e=["row",t.role];t.pending&&e.push("pending");let s=d;t.state==="aborted"||t.aborted?s=f`<div class="meta">${_("aborted")}</div>`:(t.state==="error"||t.error)&&(s=f`<div class="meta error">${_("error")}${t.error?`: ${t.error}`:""}</div>`);let i=t.role==="assistant"?this._renderText(t.text):f`${t.text}`,n=t.text||t.role==="user";return f`<div class=${e.join(" ")} data-role=${t.role} data-seq=${t.seq??""}>
      ${n?f`<div class="bubble">${i}</div>`:d}
      ${this._renderImages(t.images)} ${s}
    </div>`}_renderLive(t){if(!t)return d;let e=d;return t.state==="aborted"?e=f`<div class="meta">${_("aborted")}</div>`:t.state==="error"&&(e=f`<div class="meta error">${_("error")}${t.error?`: ${t.error}`:""}</div>`),f`<div class="row assistant live" data-role="assistant" data-state=${t.state}>
      <div class="bubble">${this._renderText(t.text,t.state==="running")}</div>
      ${e}
    </div>`}render(){if(!this._config)return d;let t=this._view??{},e=t.runState==="running",s=t.connected===!1?"disconnected":t.runState??"idle",i=s==="disconnected"?_("disconnected"):he(this.hass,s),n=t.rows??[],o=t.loaded&&n.length===0&&!t.live,c=this._config.height??ut,a=t.connected!==!1&&!t.sending;return f`<ha-card>
      <header>
        <div class="title">${this._title()}</div>
        <div class="state" data-state=${s} role="status">
          <span class="dot"></span><span class="label">${i}</span>
        </div>
      </header>
      <div class="transcript" style="flex-basis: ${c}" @scroll=${this._onScroll}>
        <div class="content">
          ${t.loadingOlder?f`<div class="notice">${_("older")}</div>`:d}
          ${o?f`<div class="notice">${_("start")}</div>`:d}
          ${Ft(n,mt,h=>this._renderRow(h))} ${this._renderLive(t.live)}
        </div>
      </div>
      ${t.error?f`<div class="error-banner" role="alert">
            <span>${t.error}</span>
            <button class="plain-button" @click=${()=>this._controller?.dismissError()}>
              ${_("dismiss")}
            </button>
          </div>`:d}
      ${this._images.length?f`<div class="attachments">
            ${this._images.map((h,m)=>f`<div class="thumb">
                <img src=${h.preview} alt=${h.file_name} />
                <button aria-label=${_("remove")} @click=${()=>this._removeImage(m)}>×</button>
              </div>`)}
          </div>`:d}
      <form @submit=${this._send}>
        <input type="file" accept="image/*" multiple @change=${this._onFiles} />
        <button
          type="button"
          class="icon attach"
          title=${_("attach")}
          aria-label=${_("attach")}
          ?disabled=${this._images.length>=4}
          @click=${this._pickImages}
        >
          ${gt(Ve)}
        </button>
        <textarea
          rows="1"
          .value=${this._draft}
          placeholder=${_("placeholder")}
          aria-label=${_("placeholder")}
          @input=${this._onInput}
          @keydown=${this._onKeyDown}
        ></textarea>
        ${e?f`<button
              type="button"
              class="icon stop"
              title=${_("stop")}
              aria-label=${_("stop")}
              @click=${this._stop}
            >
              ${gt(ze)}
            </button>`:d}
        <button
          type="submit"
          class="icon send"
          title=${_("send")}
          aria-label=${_("send")}
          ?disabled=${!a||!this._draft.trim()&&this._images.length===0}
        >
          ${gt(Be)}
        </button>
      </form>
    </ha-card>`}};M(z,"properties",{hass:{attribute:!1},_config:{state:!0},_view:{state:!0},_draft:{state:!0},_images:{state:!0},_markdown:{state:!0}}),M(z,"styles",de);function fe(){customElements.get(k)||(customElements.define(k,z),customElements.define(`${k}-editor`,B),window.customCards=window.customCards||[],window.customCards.push({type:k,name:"OpenClaw chat",description:"Read and talk to an OpenClaw agent session, with replies streaming live.",preview:!1,documentationURL:"https://github.com/openclaw-ha/openclaw-homeassistant#dashboard-card"}),console.info(`%c OPENCLAW-CHAT-CARD %c ${Ne} `,"color:#fff;background:#d9480f",""))}_t()?fe():ce().then(fe);export{z as OpenClawChatCard};
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
lit-html/directive.js:
lit-html/directives/repeat.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/directive-helpers.js:
  (**
   * @license
   * Copyright 2020 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
