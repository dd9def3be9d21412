// openclaw-chat-card 0.1.0 (esbuild 0.28.2): built from frontend/ by scripts/build-card; do not edit.
var ge=Object.defineProperty;var $e=(s,t,e)=>t in s?ge(s,t,{enumerable:!0,configurable:!0,writable:!0,value:e}):s[t]=e;var R=(s,t,e)=>$e(s,typeof t!="symbol"?t+"":t,e);var V=globalThis,j=V.ShadowRoot&&(V.ShadyCSS===void 0||V.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,rt=Symbol(),yt=new WeakMap,H=class{constructor(t,e,r){if(this._$cssResult$=!0,r!==rt)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(j&&t===void 0){let r=e!==void 0&&e.length===1;r&&(t=yt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),r&&yt.set(e,t))}return t}toString(){return this.cssText}},bt=s=>new H(typeof s=="string"?s:s+"",void 0,rt),it=(s,...t)=>{let e=s.length===1?s[0]:t.reduce((r,i,o)=>r+(n=>{if(n._$cssResult$===!0)return n.cssText;if(typeof n=="number")return n;throw Error("Value passed to 'css' function must be a 'css' function result: "+n+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+s[o+1],s[0]);return new H(e,s,rt)},xt=(s,t)=>{if(j)s.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let r=document.createElement("style"),i=V.litNonce;i!==void 0&&r.setAttribute("nonce",i),r.textContent=e.cssText,s.appendChild(r)}},ot=j?s=>s:s=>s instanceof CSSStyleSheet?(t=>{let e="";for(let r of t.cssRules)e+=r.cssText;return bt(e)})(s):s;var{is:ye,defineProperty:be,getOwnPropertyDescriptor:xe,getOwnPropertyNames:ve,getOwnPropertySymbols:Ae,getPrototypeOf:we}=Object,q=globalThis,vt=q.trustedTypes,Ee=vt?vt.emptyScript:"",Se=q.reactiveElementPolyfillSupport,I=(s,t)=>s,nt={toAttribute(s,t){switch(t){case Boolean:s=s?Ee:null;break;case Object:case Array:s=s==null?s:JSON.stringify(s)}return s},fromAttribute(s,t){let e=s;switch(t){case Boolean:e=s!==null;break;case Number:e=s===null?null:Number(s);break;case Object:case Array:try{e=JSON.parse(s)}catch{e=null}}return e}},wt=(s,t)=>!ye(s,t),At={attribute:!0,type:String,converter:nt,reflect:!1,useDefault:!1,hasChanged:wt};Symbol.metadata??=Symbol("metadata"),q.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=At){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let r=Symbol(),i=this.getPropertyDescriptor(t,r,e);i!==void 0&&be(this.prototype,t,i)}}static getPropertyDescriptor(t,e,r){let{get:i,set:o}=xe(this.prototype,t)??{get(){return this[e]},set(n){this[e]=n}};return{get:i,set(n){let c=i?.call(this);o?.call(this,n),this.requestUpdate(t,c,r)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??At}static _$Ei(){if(this.hasOwnProperty(I("elementProperties")))return;let t=we(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(I("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(I("properties"))){let e=this.properties,r=[...ve(e),...Ae(e)];for(let i of r)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[r,i]of e)this.elementProperties.set(r,i)}this._$Eh=new Map;for(let[e,r]of this.elementProperties){let i=this._$Eu(e,r);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let r=new Set(t.flat(1/0).reverse());for(let i of r)e.unshift(ot(i))}else t!==void 0&&e.push(ot(t));return e}static _$Eu(t,e){let r=e.attribute;return r===!1?void 0:typeof r=="string"?r:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let r of e.keys())this.hasOwnProperty(r)&&(t.set(r,this[r]),delete this[r]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return xt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,r){this._$AK(t,r)}_$ET(t,e){let r=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,r);if(i!==void 0&&r.reflect===!0){let o=(r.converter?.toAttribute!==void 0?r.converter:nt).toAttribute(e,r.type);this._$Em=t,o==null?this.removeAttribute(i):this.setAttribute(i,o),this._$Em=null}}_$AK(t,e){let r=this.constructor,i=r._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let o=r.getPropertyOptions(i),n=typeof o.converter=="function"?{fromAttribute:o.converter}:o.converter?.fromAttribute!==void 0?o.converter:nt;this._$Em=i;let c=n.fromAttribute(e,o.type);this[i]=c??this._$Ej?.get(i)??c,this._$Em=null}}requestUpdate(t,e,r,i=!1,o){if(t!==void 0){let n=this.constructor;if(i===!1&&(o=this[t]),r??=n.getPropertyOptions(t),!((r.hasChanged??wt)(o,e)||r.useDefault&&r.reflect&&o===this._$Ej?.get(t)&&!this.hasAttribute(n._$Eu(t,r))))return;this.C(t,e,r)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:r,reflect:i,wrapped:o},n){r&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,n??e??this[t]),o!==!0||n!==void 0)||(this._$AL.has(t)||(this.hasUpdated||r||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,o]of this._$Ep)this[i]=o;this._$Ep=void 0}let r=this.constructor.elementProperties;if(r.size>0)for(let[i,o]of r){let{wrapped:n}=o,c=this[i];n!==!0||this._$AL.has(i)||c===void 0||this.C(i,void 0,o,c)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(r=>r.hostUpdate?.()),this.update(e)):this._$EM()}catch(r){throw t=!1,this._$EM(),r}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[I("elementProperties")]=new Map,b[I("finalized")]=new Map,Se?.({ReactiveElement:b}),(q.reactiveElementVersions??=[]).push("2.1.2");var lt=globalThis,Et=s=>s,G=lt.trustedTypes,St=G?G.createPolicy("lit-html",{createHTML:s=>s}):void 0,ct="$lit$",x=`lit$${Math.random().toFixed(9).slice(2)}$`,ht="?"+x,Ce=`<${ht}>`,S=document,L=()=>S.createComment(""),D=s=>s===null||typeof s!="object"&&typeof s!="function",dt=Array.isArray,Rt=s=>dt(s)||typeof s?.[Symbol.iterator]=="function",at=`[ 	
\f\r]`,O=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ct=/-->/g,Tt=/>/g,w=RegExp(`>|${at}(?:([^\\s"'>=/]+)(${at}*=${at}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),kt=/'/g,Mt=/"/g,Ht=/^(?:script|style|textarea|title)$/i,pt=s=>(t,...e)=>({_$litType$:s,strings:t,values:e}),_=pt(1),Qe=pt(2),ts=pt(3),v=Symbol.for("lit-noChange"),d=Symbol.for("lit-nothing"),Pt=new WeakMap,E=S.createTreeWalker(S,129);function It(s,t){if(!dt(s)||!s.hasOwnProperty("raw"))throw Error("invalid template strings array");return St!==void 0?St.createHTML(t):t}var Ot=(s,t)=>{let e=s.length-1,r=[],i,o=t===2?"<svg>":t===3?"<math>":"",n=O;for(let c=0;c<e;c++){let a=s[c],h,f,l=-1,u=0;for(;u<a.length&&(n.lastIndex=u,f=n.exec(a),f!==null);)u=n.lastIndex,n===O?f[1]==="!--"?n=Ct:f[1]!==void 0?n=Tt:f[2]!==void 0?(Ht.test(f[2])&&(i=RegExp("</"+f[2],"g")),n=w):f[3]!==void 0&&(n=w):n===w?f[0]===">"?(n=i??O,l=-1):f[1]===void 0?l=-2:(l=n.lastIndex-f[2].length,h=f[1],n=f[3]===void 0?w:f[3]==='"'?Mt:kt):n===Mt||n===kt?n=w:n===Ct||n===Tt?n=O:(n=w,i=void 0);let p=n===w&&s[c+1].startsWith("/>")?" ":"";o+=n===O?a+Ce:l>=0?(r.push(h),a.slice(0,l)+ct+a.slice(l)+x+p):a+x+(l===-2?c:p)}return[It(s,o+(s[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),r]},U=class s{constructor({strings:t,_$litType$:e},r){let i;this.parts=[];let o=0,n=0,c=t.length-1,a=this.parts,[h,f]=Ot(t,e);if(this.el=s.createElement(h,r),E.currentNode=this.el.content,e===2||e===3){let l=this.el.content.firstChild;l.replaceWith(...l.childNodes)}for(;(i=E.nextNode())!==null&&a.length<c;){if(i.nodeType===1){if(i.hasAttributes())for(let l of i.getAttributeNames())if(l.endsWith(ct)){let u=f[n++],p=i.getAttribute(l).split(x),g=/([.?@])?(.*)/.exec(u);a.push({type:1,index:o,name:g[2],strings:p,ctor:g[1]==="."?K:g[1]==="?"?W:g[1]==="@"?X:T}),i.removeAttribute(l)}else l.startsWith(x)&&(a.push({type:6,index:o}),i.removeAttribute(l));if(Ht.test(i.tagName)){let l=i.textContent.split(x),u=l.length-1;if(u>0){i.textContent=G?G.emptyScript:"";for(let p=0;p<u;p++)i.append(l[p],L()),E.nextNode(),a.push({type:2,index:++o});i.append(l[u],L())}}}else if(i.nodeType===8)if(i.data===ht)a.push({type:2,index:o});else{let l=-1;for(;(l=i.data.indexOf(x,l+1))!==-1;)a.push({type:7,index:o}),l+=x.length-1}o++}}static createElement(t,e){let r=S.createElement("template");return r.innerHTML=t,r}};function C(s,t,e=s,r){if(t===v)return t;let i=r!==void 0?e._$Co?.[r]:e._$Cl,o=D(t)?void 0:t._$litDirective$;return i?.constructor!==o&&(i?._$AO?.(!1),o===void 0?i=void 0:(i=new o(s),i._$AT(s,e,r)),r!==void 0?(e._$Co??=[])[r]=i:e._$Cl=i),i!==void 0&&(t=C(s,i._$AS(s,t.values),i,r)),t}var F=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:r}=this._$AD,i=(t?.creationScope??S).importNode(e,!0);E.currentNode=i;let o=E.nextNode(),n=0,c=0,a=r[0];for(;a!==void 0;){if(n===a.index){let h;a.type===2?h=new M(o,o.nextSibling,this,t):a.type===1?h=new a.ctor(o,a.name,a.strings,this,t):a.type===6&&(h=new Y(o,this,t)),this._$AV.push(h),a=r[++c]}n!==a?.index&&(o=E.nextNode(),n++)}return E.currentNode=S,i}p(t){let e=0;for(let r of this._$AV)r!==void 0&&(r.strings!==void 0?(r._$AI(t,r,e),e+=r.strings.length-2):r._$AI(t[e])),e++}},M=class s{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,r,i){this.type=2,this._$AH=d,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=r,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=C(this,t,e),D(t)?t===d||t==null||t===""?(this._$AH!==d&&this._$AR(),this._$AH=d):t!==this._$AH&&t!==v&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Rt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==d&&D(this._$AH)?this._$AA.nextSibling.data=t:this.T(S.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:r}=t,i=typeof r=="number"?this._$AC(t):(r.el===void 0&&(r.el=U.createElement(It(r.h,r.h[0]),this.options)),r);if(this._$AH?._$AD===i)this._$AH.p(e);else{let o=new F(i,this),n=o.u(this.options);o.p(e),this.T(n),this._$AH=o}}_$AC(t){let e=Pt.get(t.strings);return e===void 0&&Pt.set(t.strings,e=new U(t)),e}k(t){dt(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,r,i=0;for(let o of t)i===e.length?e.push(r=new s(this.O(L()),this.O(L()),this,this.options)):r=e[i],r._$AI(o),i++;i<e.length&&(this._$AR(r&&r._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let r=Et(t).nextSibling;Et(t).remove(),t=r}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},T=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,r,i,o){this.type=1,this._$AH=d,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=o,r.length>2||r[0]!==""||r[1]!==""?(this._$AH=Array(r.length-1).fill(new String),this.strings=r):this._$AH=d}_$AI(t,e=this,r,i){let o=this.strings,n=!1;if(o===void 0)t=C(this,t,e,0),n=!D(t)||t!==this._$AH&&t!==v,n&&(this._$AH=t);else{let c=t,a,h;for(t=o[0],a=0;a<o.length-1;a++)h=C(this,c[r+a],e,a),h===v&&(h=this._$AH[a]),n||=!D(h)||h!==this._$AH[a],h===d?t=d:t!==d&&(t+=(h??"")+o[a+1]),this._$AH[a]=h}n&&!i&&this.j(t)}j(t){t===d?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},K=class extends T{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===d?void 0:t}},W=class extends T{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==d)}},X=class extends T{constructor(t,e,r,i,o){super(t,e,r,i,o),this.type=5}_$AI(t,e=this){if((t=C(this,t,e,0)??d)===v)return;let r=this._$AH,i=t===d&&r!==d||t.capture!==r.capture||t.once!==r.once||t.passive!==r.passive,o=t!==d&&(r===d||i);i&&this.element.removeEventListener(this.name,this,r),o&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},Y=class{constructor(t,e,r){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=r}get _$AU(){return this._$AM._$AU}_$AI(t){C(this,t)}},Lt={M:ct,P:x,A:ht,C:1,L:Ot,R:F,D:Rt,V:C,I:M,H:T,N:W,U:X,B:K,F:Y},Te=lt.litHtmlPolyfillSupport;Te?.(U,M),(lt.litHtmlVersions??=[]).push("3.3.3");var Dt=(s,t,e)=>{let r=e?.renderBefore??t,i=r._$litPart$;if(i===void 0){let o=e?.renderBefore??null;r._$litPart$=i=new M(t.insertBefore(L(),o),o,void 0,e??{})}return i._$AI(s),i};var ut=globalThis,$=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Dt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return v}};$._$litElement$=!0,$.finalized=!0,ut.litElementHydrateSupport?.({LitElement:$});var ke=ut.litElementPolyfillSupport;ke?.({LitElement:$});(ut.litElementVersions??=[]).push("4.2.2");var Ut={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Nt=s=>(...t)=>({_$litDirective$:s,values:t}),Z=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,r){this._$Ct=t,this._$AM=e,this._$Ci=r}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:Me}=Lt,zt=s=>s;var Bt=()=>document.createComment(""),P=(s,t,e)=>{let r=s._$AA.parentNode,i=t===void 0?s._$AB:t._$AA;if(e===void 0){let o=r.insertBefore(Bt(),i),n=r.insertBefore(Bt(),i);e=new Me(o,n,s,s.options)}else{let o=e._$AB.nextSibling,n=e._$AM,c=n!==s;if(c){let a;e._$AQ?.(s),e._$AM=s,e._$AP!==void 0&&(a=s._$AU)!==n._$AU&&e._$AP(a)}if(o!==i||c){let a=e._$AA;for(;a!==o;){let h=zt(a).nextSibling;zt(r).insertBefore(a,i),a=h}}}return e},A=(s,t,e=s)=>(s._$AI(t,e),s),Pe={},Vt=(s,t=Pe)=>s._$AH=t,jt=s=>s._$AH,J=s=>{s._$AR(),s._$AA.remove()};var qt=(s,t,e)=>{let r=new Map;for(let i=t;i<=e;i++)r.set(s[i],i);return r},Gt=Nt(class extends Z{constructor(s){if(super(s),s.type!==Ut.CHILD)throw Error("repeat() can only be used in text expressions")}dt(s,t,e){let r;e===void 0?e=t:t!==void 0&&(r=t);let i=[],o=[],n=0;for(let c of s)i[n]=r?r(c,n):n,o[n]=e(c,n),n++;return{values:o,keys:i}}render(s,t,e){return this.dt(s,t,e).values}update(s,[t,e,r]){let i=jt(s),{values:o,keys:n}=this.dt(t,e,r);if(!Array.isArray(i))return this.ut=n,o;let c=this.ut??=[],a=[],h,f,l=0,u=i.length-1,p=0,g=o.length-1;for(;l<=u&&p<=g;)if(i[l]===null)l++;else if(i[u]===null)u--;else if(c[l]===n[p])a[p]=A(i[l],o[p]),l++,p++;else if(c[u]===n[g])a[g]=A(i[u],o[g]),u--,g--;else if(c[l]===n[g])a[g]=A(i[l],o[g]),P(s,a[g+1],i[l]),l++,g--;else if(c[u]===n[p])a[p]=A(i[u],o[p]),P(s,i[l],i[u]),u--,p++;else if(h===void 0&&(h=qt(n,p,g),f=qt(c,l,u)),h.has(c[l]))if(h.has(c[u])){let y=f.get(n[p]),st=y!==void 0?i[y]:null;if(st===null){let $t=P(s,i[l]);A($t,o[p]),a[p]=$t}else a[p]=A(st,o[p]),P(s,i[l],st),i[y]=null;p++}else J(i[u]),u--;else J(i[l]),l++;for(;p<=g;){let y=P(s,a[g+1]);A(y,o[p]),a[p++]=y}for(;l<=u;){let y=i[l++];y!==null&&J(y)}return this.ut=n,Vt(s,a),v}});function Ft(s,t){let e=(r,i)=>s().callWS({type:r,entity_id:t,...i});return{subscribe:r=>s().connection.subscribeMessage(r,{type:"openclaw/chat/subscribe",entity_id:t}),history:r=>e("openclaw/chat/history",r),send:r=>e("openclaw/chat/send",r),abort:r=>e("openclaw/chat/abort",r)}}var k="openclaw-chat-card",_t="420px",Kt=[{name:"entity",required:!0,selector:{entity:{filter:{integration:"openclaw",domain:"sensor",device_class:"enum"}}}},{name:"title",selector:{text:{}}},{name:"height",selector:{text:{}}}],Wt={entity:"Session (its run state sensor)",title:"Title (default: the session's name)",height:`Height of the conversation in masonry dashboards (default ${_t})`};function Xt(s){if(!s||typeof s!="object")throw new Error("Invalid configuration");if(typeof s.entity!="string"||!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(s.entity))throw new Error("Choose an OpenClaw session: set `entity` to its run state sensor");if(s.title!==void 0&&typeof s.title!="string")throw new Error("`title` must be text");if(s.page_size!==void 0&&!(Number.isInteger(s.page_size)&&s.page_size>=1&&s.page_size<=200))throw new Error("`page_size` must be a whole number from 1 to 200");if(s.height!==void 0&&!/^\d+(\.\d+)?(px|em|rem|vh|dvh|svh)$/.test(s.height))throw new Error("`height` must be a CSS length such as 420px or 60vh");return s}function Yt(s,t){let e={...s,...t,type:s.type??`custom:${k}`};for(let r of["title","height"])typeof e[r]=="string"&&e[r].trim()===""&&delete e[r];return e}function Zt(s){return{entity:Object.values(s?.entities??{}).find(r=>r.platform==="openclaw"&&r.translation_key==="run_state")?.entity_id??""}}function mt(s){return typeof s.seq=="number"?`s${s.seq}`:`l:${s.role}:${s.run_id??""}:${s.timestamp??""}:${s.text.slice(0,40)}`}function Jt(s){return s.every(t=>typeof t.seq=="number")?[...s].sort((t,e)=>t.seq-e.seq):s}function Qt(s){let t=new Set,e=[];for(let r of s){let i=mt(r);t.has(i)||(t.add(i),e.push(r))}return e}function te(s,t){return Jt(Qt([...t,...s]))}function ee(s,t){let e=t.filter(a=>!a.local),r=new Set(e.filter(a=>a.run_id).map(a=>`${a.role}:${a.run_id}`)),i=new Set(e.filter(a=>a.role==="user").map(a=>a.text)),o=e.some(a=>a.run_id),n=s.filter(a=>a.local?!(a.run_id&&r.has(`${a.role}:${a.run_id}`)||a.pending&&!o&&i.has(a.text)):!0);return[...Jt(Qt([...n.filter(a=>!a.local),...e])),...n.filter(a=>a.local)]}function ft(s=null){return{runId:s,text:"",state:"running",error:null}}function se(s,t){switch(t.type){case"snapshot":return t.run_state==="running"?{...ft(t.run_id),text:t.text??""}:null;case"started":return ft(t.run_id);case"delta":{let e=s&&s.runId===t.run_id?s:ft(t.run_id);return{...e,text:t.replaced?t.delta:e.text+t.delta}}case"end":return{runId:t.run_id,text:t.text??"",state:t.state,error:t.error??null};default:return s}}function re(s,t){switch(t.type){case"snapshot":return t.run_state;case"started":case"delta":return"running";case"end":return t.state==="final"?"idle":t.state;default:return s}}function ie(s){return{role:"assistant",text:s.text,run_id:s.runId,local:!0,state:s.state,error:s.error}}var Re=30,He=3e3;function Ie(s){return["unauthorized","invalid_format","unknown_command"].includes(s?.code)||s?.translation_key==="not_session_entity"}function Oe(s=globalThis.crypto){let t=s.getRandomValues(new Uint8Array(16));t[6]=t[6]&15|64,t[8]=t[8]&63|128;let e=[...t].map(r=>r.toString(16).padStart(2,"0")).join("");return`${e.slice(0,8)}-${e.slice(8,12)}-${e.slice(12,16)}-${e.slice(16,20)}-${e.slice(20)}`}function N(s){return s&&typeof s=="object"&&typeof s.message=="string"?s.message:String(s)}var Q=class{constructor(t,e={}){this.api=t,this.pageSize=e.pageSize??Re,this.onChange=e.onChange??(()=>{}),this.retryDelay=e.retryDelay??He,this.timers=e.timers??globalThis,this.state={title:null,connected:!0,runState:"idle",live:null,rows:[],cursor:null,hasMore:!1,loaded:!1,loadingOlder:!1,sending:!1,error:null},this._active=!1,this._unsub=null,this._timer=null,this._reloads=0}_set(t){this.state={...this.state,...t},this.onChange(this.state)}async start(){this._active||(this._active=!0,await this._subscribe())}stop(){this._active=!1,this._dropSubscription(),this._timer!==null&&(this.timers.clearTimeout(this._timer),this._timer=null)}_dropSubscription(){let t=this._unsub;this._unsub=null,t&&Promise.resolve(t()).catch(()=>{})}async _subscribe(){this._timer=null;try{let t=await this.api.subscribe(e=>this._onEvent(e));if(!this._active){Promise.resolve(t()).catch(()=>{});return}this._unsub=t}catch(t){this._set({error:N(t),connected:!1}),Ie(t)||this._retry()}}_retry(){this._active&&this._timer===null&&(this._timer=this.timers.setTimeout(()=>this._subscribe(),this.retryDelay))}_onEvent(t){if(!this._active)return;if(t.type==="closed"){this._dropSubscription(),this._set({connected:!1}),this._retry();return}if(t.type==="connection"){this._set({connected:t.connected}),t.connected&&this.reloadNewest();return}let e={runState:re(this.state.runState,t),live:se(this.state.live,t)};t.type==="snapshot"&&(e.title=t.title??null,e.connected=t.connected,e.error=null),this._set(e),["snapshot","started","end"].includes(t.type)&&this.reloadNewest()}async reloadNewest(){let t=++this._reloads,e;try{e=await this.api.history({limit:this.pageSize})}catch(n){t===this._reloads&&this._set({error:N(n)});return}if(!this._active||t!==this._reloads)return;let r=ee(this.state.rows,e.messages),i={rows:r};this.state.loaded||(i.loaded=!0,i.cursor=e.next_cursor??null,i.hasMore=!!(e.has_more&&e.next_cursor));let o=this.state.live;o&&o.state!=="running"&&(!this._transcriptHas(r,o)&&o.text&&(r=[...r,ie(o)]),i.rows=r,i.live=null),this._set(i)}_transcriptHas(t,e){let r=t.filter(i=>!i.local&&i.role==="assistant");return r.some(i=>i.run_id===e.runId)?!0:!r.some(i=>i.run_id)&&r.some(i=>i.text===e.text)}async loadOlder(){let{hasMore:t,cursor:e,loadingOlder:r}=this.state;if(!t||!e||r)return!1;this._set({loadingOlder:!0});try{let i=await this.api.history({limit:this.pageSize,cursor:e});return this._set({rows:te(this.state.rows,i.messages),cursor:i.next_cursor??null,hasMore:!!(i.has_more&&i.next_cursor),loadingOlder:!1}),!0}catch(i){return this._set({loadingOlder:!1,error:N(i)}),!1}}async send(t,e=[]){let r=t.trim();if(!r&&e.length===0)return!1;let i=Oe(),o={role:"user",text:r,run_id:i,local:!0,pending:!0,timestamp:new Date().toISOString()};e.length&&(o.images=e.length),this._set({rows:[...this.state.rows,o],sending:!0,error:null});try{return await this.api.send({message:r,attachments:e,idempotency_key:i}),this._set({sending:!1}),!0}catch(n){return this._set({rows:this.state.rows.filter(c=>c!==o),sending:!1,error:N(n)}),!1}}async abort(){let t=this.state.live,e=t&&t.state==="running"&&t.runId?{run_id:t.runId}:{};try{await this.api.abort(e)}catch(r){this._set({error:N(r)})}}showError(t){this._set({error:t})}dismissError(){this._set({error:null})}};var oe=["ha-form","ha-entity-picker"];async function Le(){if(oe.every(e=>customElements.get(e)))return;await(await window.loadCardHelpers?.())?.createCardElement({type:"entities",entities:[]})?.constructor?.getConfigElement?.()}var z=class extends ${setConfig(t){this._config=t}connectedCallback(){super.connectedCallback(),this._ready=oe.every(t=>customElements.get(t)),this._ready||Le().catch(()=>{}).finally(()=>{this._ready=!0})}render(){return!this._config||!this.hass||!this._ready?d:_`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${Kt}
      .computeLabel=${t=>Wt[t.name]??t.name}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(t){t.stopPropagation();let e=Yt(this._config,t.detail.value);this._config=e,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};R(z,"properties",{hass:{attribute:!1},_config:{state:!0},_ready:{state:!0}});var De=["image/png","image/jpeg","image/gif","image/webp"];function Ue(s,t,e=1600){let r=Math.min(1,e/Math.max(s,t,1));return{width:Math.max(1,Math.round(s*r)),height:Math.max(1,Math.round(t*r))}}function ae(s,t=3e6){return s.reduce((e,r)=>e+r.content.length,0)<=t}function Ne(s,t,e,r,i=1600){return De.includes(s)&&t<=6e5&&Math.max(e,r)<=i}function ne(s){return new Promise((t,e)=>{let r=new FileReader;r.onload=()=>t(r.result),r.onerror=()=>e(r.error),r.readAsDataURL(s)})}async function le(s){let t=await createImageBitmap(s);try{if(Ne(s.type,s.size,t.width,t.height)){let a=await ne(s);return{content:a,mime_type:s.type,file_name:s.name,preview:a}}let{width:e,height:r}=Ue(t.width,t.height),i=document.createElement("canvas");i.width=e,i.height=r,i.getContext("2d").drawImage(t,0,0,e,r);let o=await new Promise(a=>i.toBlob(a,"image/jpeg",.85)),n=await ne(o),c=(s.name||"image").replace(/\.[^.]*$/,"")+".jpg";return{content:n,mime_type:"image/jpeg",file_name:c,preview:n}}finally{t.close()}}var ce=null;function tt(){return!!customElements.get("ha-markdown")}function he(s=1e4){return tt()?Promise.resolve(!0):(ce??=(async()=>{try{(await window.loadCardHelpers?.())?.createCardElement({type:"markdown",content:""}),await Promise.race([customElements.whenDefined("ha-markdown"),new Promise(e=>setTimeout(e,s))])}catch{}return tt()})(),ce)}function gt(s=globalThis){return!!(s.CustomElementRegistryPolyfill||s.customElements?.get("home-assistant"))}async function de(s=globalThis,{intervalMs:t=20,limitMs:e=15e3}={}){let r=Date.now();for(;!gt(s)&&Date.now()-r<e;)await new Promise(i=>setTimeout(i,t))}var ze={placeholder:"Message",send:"Send",stop:"Stop",attach:"Attach image",remove:"Remove",older:"Loading older messages…",start:"No messages yet. Say hello!",disconnected:"Disconnected",aborted:"Stopped",error:"Failed",dismiss:"Dismiss",image:"image",images:"images",too_big:"the pictures of one message would be too large together; send it on its own."},Be={idle:"Idle",running:"Running",aborted:"Aborted",error:"Error"};function m(s){return ze[s]??s}function pe(s,t){let e=`component.openclaw.entity.sensor.run_state.state.${t}`;return s?.localize?.(e)||Be[t]||t}var ue=it`
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
  .meta svg {
    width: 14px;
    height: 14px;
    fill: currentColor;
    vertical-align: -2px;
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
`;var Ve="0.1.0",je="M2,21L23,12L2,3V10L17,12L2,14V21Z",qe="M18,18H6V6H18V18Z",Ge="M13 19C13 19.7 13.13 20.37 13.35 21H5C3.9 21 3 20.11 3 19V5C3 3.9 3.9 3 5 3H19C20.11 3 21 3.9 21 5V13.35C20.37 13.13 19.7 13 19 13V5H5V19H13M13.96 12.29L11.21 15.83L9.25 13.47L6.5 17H13.35C13.75 15.88 14.47 14.91 15.4 14.21L13.96 12.29M20 18V15H18V18H15V20H18V23H20V20H23V18H20Z",Fe="M8.5,13.5L11,16.5L14.5,12L19,18H5M21,19V5C21,3.89 20.1,3 19,3H5A2,2 0 0,0 3,5V19A2,2 0 0,0 5,21H19A2,2 0 0,0 21,19Z",fe=48,Ke=250,et=s=>_`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${s}></path></svg>`,B=class extends ${constructor(){super(),this._draft="",this._images=[],this._markdown=tt(),this._controller=null,this._stick=!0,this._resize=null}static getConfigElement(){return document.createElement(`${k}-editor`)}static getStubConfig(t){return Zt(t)}setConfig(t){Xt(t);let e=this._config?.entity!==t.entity||this._config?.page_size!==t.page_size;this._config=t,e&&this._controller&&(this._stopController(),this._startController())}getCardSize(){return 8}getGridOptions(){return{columns:12,min_columns:4,rows:8,min_rows:4}}connectedCallback(){super.connectedCallback(),this._startController()}disconnectedCallback(){super.disconnectedCallback(),this._stopController(),clearTimeout(this._fillTimer),this._resize?.disconnect(),this._resize=null}willUpdate(t){t.has("hass")&&this._startController()}_startController(){if(this._controller||!this.hass||!this._config||!this.isConnected)return;let t=new Q(Ft(()=>this.hass,this._config.entity),{pageSize:this._config.page_size,onChange:e=>{t===this._controller&&(this._view=e)}});this._controller=t,this._view=t.state,this._stick=!0,t.start(),this._markdown||he().then(e=>{this._markdown=e})}_stopController(){this._controller?.stop(),this._controller=null}get _scroller(){return this.renderRoot?.querySelector(".transcript")}firstUpdated(){this._resize=new ResizeObserver(()=>{this._keepBottom(),this._fillSoon()});let t=this.renderRoot.querySelector(".content");t&&this._resize.observe(t)}updated(){this._keepBottom(),this._fillSoon()}_fillSoon(){clearTimeout(this._fillTimer),this._fillTimer=setTimeout(()=>{let t=this._view,e=this._scroller;e&&t?.loaded&&t.hasMore&&e.scrollHeight<=e.clientHeight&&this._loadOlder()},Ke)}_keepBottom(){let t=this._scroller;t&&this._stick&&(t.scrollTop=t.scrollHeight)}_onScroll(){let t=this._scroller;t&&(this._stick=t.scrollHeight-t.scrollTop-t.clientHeight<fe,t.scrollTop<fe&&this._loadOlder())}async _loadOlder(){let t=this._scroller,e=this._controller;if(!t||!e||!e.state.hasMore||e.state.loadingOlder)return;let r=t.scrollHeight-t.scrollTop;await e.loadOlder()&&(await this.updateComplete,t.scrollTop=t.scrollHeight-r)}_onInput(t){this._draft=t.target.value,this._fitTextarea(t.target)}_fitTextarea(t){t.style.height="auto",t.style.height=`${t.scrollHeight+2}px`}_onKeyDown(t){t.key==="Enter"&&!t.shiftKey&&!t.isComposing&&(t.preventDefault(),this._send())}async _send(t){t?.preventDefault();let e=this._controller;if(!e||e.state.sending)return;let r=this._draft,i=this._images;if(!r.trim()&&i.length===0)return;this._draft="",this._images=[],this._stick=!0;let o=this.renderRoot.querySelector("textarea");o&&(o.value="",this._fitTextarea(o));let n=i.map(({content:c,mime_type:a,file_name:h})=>({content:c,mime_type:a,file_name:h}));!await e.send(r,n)&&!this._draft&&this._images.length===0&&(this._draft=r,this._images=i,o&&(o.value=r))}_stop(){this._controller?.abort()}_pickImages(){this.renderRoot.querySelector("input[type=file]")?.click()}async _onFiles(t){let e=t.target,r=[...e.files??[]].slice(0,4-this._images.length);e.value="";for(let i of r)try{let o=await le(i);if(!ae([...this._images,o])){this._controller?.showError(`${i.name}: ${m("too_big")}`);continue}this._images=[...this._images,o]}catch(o){this._controller?.showError(`${i.name}: ${o?.message??o}`)}}_removeImage(t){this._images=this._images.filter((e,r)=>r!==t)}_title(){if(this._config.title)return this._config.title;let t=this.hass?.states?.[this._config.entity];return this._view?.title||t?.attributes?.friendly_name||this._config.entity}_renderText(t,e=!1){return!t&&e?_`<span class="typing"></span>`:this._markdown?_`<ha-markdown breaks .content=${t}></ha-markdown>`:_`<div class="plain">${t}</div>`}_renderImages(t){return t?_`<div class="meta">
      ${et(Fe)} ${t} ${m(t===1?"image":"images")}
    </div>`:d}_renderRow(t){let e=["row",t.role];t.pending&&e.push("pending");let r=d;t.state==="aborted"||t.aborted?r=_`<div class="meta">${m("aborted")}</div>`:(t.state==="error"||t.error)&&(r=_`<div class="meta error">${m("error")}${t.error?`: ${t.error}`:""}</div>`);let i=t.role==="assistant"?this._renderText(t.text):_`${t.text}`,o=t.text||t.role==="user";return _`<div class=${e.join(" ")} data-role=${t.role} data-seq=${t.seq??""}>
      ${o?_`<div class="bubble">${i}</div>`:d}
      ${this._renderImages(t.images)} ${r}
    </div>`}_renderLive(t){if(!t)return d;let e=d;return t.state==="aborted"?e=_`<div class="meta">${m("aborted")}</div>`:t.state==="error"&&(e=_`<div class="meta error">${m("error")}${t.error?`: ${t.error}`:""}</div>`),_`<div class="row assistant live" data-role="assistant" data-state=${t.state}>
      <div class="bubble">${this._renderText(t.text,t.state==="running")}</div>
      ${e}
    </div>`}render(){if(!this._config)return d;let t=this._view??{},e=t.runState==="running",r=t.connected===!1?"disconnected":t.runState??"idle",i=r==="disconnected"?m("disconnected"):pe(this.hass,r),o=t.rows??[],n=t.loaded&&o.length===0&&!t.live,c=this._config.height??_t,a=t.connected!==!1&&!t.sending;return _`<ha-card ?data-loaded=${!!t.loaded}>
      <header>
        <div class="title">${this._title()}</div>
        <div class="state" data-state=${r} role="status">
          <span class="dot"></span><span class="label">${i}</span>
        </div>
      </header>
      <div class="transcript" style="flex-basis: ${c}" @scroll=${this._onScroll}>
        <div class="content">
          ${t.loadingOlder?_`<div class="notice">${m("older")}</div>`:d}
          ${n?_`<div class="notice">${m("start")}</div>`:d}
          ${Gt(o,mt,h=>this._renderRow(h))} ${this._renderLive(t.live)}
        </div>
      </div>
      ${t.error?_`<div class="error-banner" role="alert">
            <span>${t.error}</span>
            <button class="plain-button" @click=${()=>this._controller?.dismissError()}>
              ${m("dismiss")}
            </button>
          </div>`:d}
      ${this._images.length?_`<div class="attachments">
            ${this._images.map((h,f)=>_`<div class="thumb">
                <img src=${h.preview} alt=${h.file_name} />
                <button aria-label=${m("remove")} @click=${()=>this._removeImage(f)}>×</button>
              </div>`)}
          </div>`:d}
      <form @submit=${this._send}>
        <input type="file" accept="image/*" multiple @change=${this._onFiles} />
        <button
          type="button"
          class="icon attach"
          title=${m("attach")}
          aria-label=${m("attach")}
          ?disabled=${this._images.length>=4}
          @click=${this._pickImages}
        >
          ${et(Ge)}
        </button>
        <textarea
          rows="1"
          .value=${this._draft}
          placeholder=${m("placeholder")}
          aria-label=${m("placeholder")}
          @input=${this._onInput}
          @keydown=${this._onKeyDown}
        ></textarea>
        ${e?_`<button
              type="button"
              class="icon stop"
              title=${m("stop")}
              aria-label=${m("stop")}
              @click=${this._stop}
            >
              ${et(qe)}
            </button>`:d}
        <button
          type="submit"
          class="icon send"
          title=${m("send")}
          aria-label=${m("send")}
          ?disabled=${!a||!this._draft.trim()&&this._images.length===0}
        >
          ${et(je)}
        </button>
      </form>
    </ha-card>`}};R(B,"properties",{hass:{attribute:!1},_config:{state:!0},_view:{state:!0},_draft:{state:!0},_images:{state:!0},_markdown:{state:!0}}),R(B,"styles",ue);function me(){customElements.get(k)||(customElements.define(k,B),customElements.define(`${k}-editor`,z),window.customCards=window.customCards||[],window.customCards.push({type:k,name:"OpenClaw chat",description:"Read and talk to an OpenClaw agent session, with replies streaming live.",preview:!1,documentationURL:"https://github.com/openclaw-ha/openclaw-homeassistant#dashboard-card"}),console.info(`%c OPENCLAW-CHAT-CARD %c ${Ve} `,"color:#fff;background:#d9480f",""))}gt()?me():de().then(me);export{B as OpenClawChatCard};
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
