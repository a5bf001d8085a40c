// The kernel's floor under a hub fan-out on this machine: one thread on
// CPU 1 writes one message of SIZE bytes to each of N connected loopback
// TCP sockets (TCP_NODELAY, plain write(), nothing else), ROUNDS times,
// 20 ms apart; a reader thread on CPU 0 drains them with epoll (or, with
// NOREAD=1, nobody reads: no wake-ups). Prints the writer's CPU per write
// and the slowest round: the time one message takes to reach all N
// sockets when nothing but the write itself is done. No server, no
// framing: what any fan-out server pays at least per delivery write.
// "Delivered to all": until the reader has every byte of the round (the
// last subscriber's latency). WRITERS=2 splits each round's writes over
// two threads, one per CPU (see below).
// usage: bench/hub/write_floor/run [N] [SIZE] [ROUNDS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>
static void pin(int cpu){cpu_set_t s;CPU_ZERO(&s);CPU_SET(cpu,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
static double thread_cpu(){timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int n=argc>1?atoi(argv[1]):5000, sz=argc>2?atoi(argv[2]):1100, rounds=argc>3?atoi(argv[3]):20;
  int l=socket(AF_INET,SOCK_STREAM,0); int one=1; setsockopt(l,SOL_SOCKET,SO_REUSEADDR,&one,4);
  sockaddr_in a{}; a.sin_family=AF_INET; a.sin_addr.s_addr=htonl(0x7f000001); a.sin_port=0;
  bind(l,(sockaddr*)&a,sizeof a); listen(l,4096); socklen_t al=sizeof a; getsockname(l,(sockaddr*)&a,&al);
  std::vector<int> cl(n), sv(n);
  for(int i=0;i<n;i++){cl[i]=socket(AF_INET,SOCK_STREAM,0); connect(cl[i],(sockaddr*)&a,sizeof a); sv[i]=accept(l,0,0); setsockopt(sv[i],IPPROTO_TCP,TCP_NODELAY,&one,4); fcntl(cl[i],F_SETFL,O_NONBLOCK);}
  std::atomic<bool> stop{false}; std::atomic<long> got{0};
  std::thread rd([&]{ pin(0); if(getenv("NOREAD")){while(!stop)usleep(1000);return;} int ep=epoll_create1(0); for(int i=0;i<n;i++){epoll_event e{}; e.events=EPOLLIN|EPOLLET; e.data.fd=cl[i]; epoll_ctl(ep,EPOLL_CTL_ADD,cl[i],&e);} 
    std::vector<epoll_event> ev(1024); static char buf[65536];
    while(!stop){int k=epoll_wait(ep,ev.data(),1024,100); for(int j=0;j<k;j++){ for(;;){ssize_t r=recv(ev[j].data.fd,buf,sizeof buf,0); if(r<=0)break; got+=r; if(r<(ssize_t)sizeof buf)break;}}}});
  // WRITERS=2: each round's writes split over two threads, pinned to CPU 1
  // and CPU 0 (the reader is then left unpinned): the two cores share the
  // writing and the reading, as two hub nodes and their subscribers would.
  const int writers=getenv("WRITERS")?atoi(getenv("WRITERS")):1;
  pin(1); std::vector<char> msg(sz,'x');
  auto write_slice=[&](int w){ if(writers>1) pin(w==0?1:0); for(int i=w;i<n;i+=writers){ if(write(sv[i],msg.data(),sz)!=sz){perror("w");} } };
  double c0=thread_cpu(); auto t0=std::chrono::steady_clock::now(); double maxround=0, maxdelivered=0;
  for(int r=0;r<rounds;r++){ auto r0=std::chrono::steady_clock::now();
    if(writers>1){ std::vector<std::thread> ts; for(int w=0;w<writers;w++) ts.emplace_back(write_slice,w); for(auto&t:ts) t.join(); }
    else write_slice(0);
    double d=std::chrono::duration<double>(std::chrono::steady_clock::now()-r0).count(); if(d>maxround)maxround=d;
    // Delivered: the reader has every byte of this round (the last subscriber's latency).
    while(!getenv("NOREAD") && got<(long)n*sz*(r+1) && std::chrono::steady_clock::now()-r0<std::chrono::seconds(5)) std::this_thread::yield();
    double dd=std::chrono::duration<double>(std::chrono::steady_clock::now()-r0).count(); if(dd>maxdelivered)maxdelivered=dd;
    usleep(20000);
  }
  double cpu=thread_cpu()-c0; double wall=std::chrono::duration<double>(std::chrono::steady_clock::now()-t0).count();
  while(!getenv("NOREAD") && got< (long)n*sz*rounds && std::chrono::steady_clock::now()-t0<std::chrono::seconds(30)) usleep(1000);
  stop=true; rd.join();
  if(writers>1) printf("n=%d size=%d rounds=%d writers=%d: slowest round written %.1f ms, delivered to all %.1f ms, wall %.2fs, received %ld/%ld\n",n,sz,rounds,writers,maxround*1e3,maxdelivered*1e3,wall,got.load(),(long)n*sz*rounds);
  else printf("n=%d size=%d rounds=%d%s: writer CPU %.2f us/write, slowest round (fan-out of one message to all) %.1f ms, delivered to all %.1f ms, wall %.2fs, received %ld/%ld\n",n,sz,rounds,getenv("NOREAD")?" (no reader)":"",cpu*1e6/(n*(double)rounds),maxround*1e3,maxdelivered*1e3,wall,got.load(),(long)n*sz*rounds);
}
