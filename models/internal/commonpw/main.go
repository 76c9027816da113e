// Command commonpw writes models/common_passwords.txt, the common passwords
// that models.CheckPassword refuses: no list can be downloaded here, so it is
// made from what is publicly known about the passwords people choose — the
// classic top passwords, keyboard walks, repeated characters and sequences,
// words with digits, years and symbols, and the favourites of Chinese users
// (pinyin names, 我爱你 as woaini, 520 and 1314). One password a line, lower
// case (the check ignores case), sorted, no duplicates.
//
// Run it from the module root: go generate ./models
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// classic are well-known entries of the published top-password lists.
var classic = strings.Fields(`
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
123123 baseball abc123 football monkey letmein 696969 shadow master 666666
qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777
121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh
hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000
charlie robert thomas hockey ranger daniel starwars klaster 112233 george
computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom
777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer
love ashley nicole chelsea biteme matthew access yankees 987654321 dallas
austin thunder taylor matrix welcome admin login passw0rd p@ssw0rd p@ssword
pa$$word qwerty123 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y zaq12wsx zaq1zaq1
password1 password12 password123 iloveyou1 princess1 abc123456 qwe123 a123456
123abc aa123456 123456a 123456aa 123456abc a12345678 a123456789 aa123456789
abcd1234 abcd123456 abc12345 qwer1234 asdf1234 zxcv1234 1234qwer 1234abcd
qweasdzxc 123qweasd 123qweasdzxc qazwsxedc 1qazxsw2 1qaz@wsx !qaz@wsx
!qaz2wsx 1qaz2wsx3edc 1qaz2wsx3edc4rfv q1w2e3r4 q1w2e3r4t5 a1b2c3d4
a1b2c3d4e5 a1s2d3f4 z1x2c3v4 qwerasdf qwertyui asdfghjkl asdfghjk zxcvbnm123
changeme changeit secret default guest test test123 test1234 testtest root
toor administrator superuser letmein123 welcome1 welcome123 whatever
football1 baseball1 monkey123 dragon123 master123 shadow123 sunshine1
iloveyou123 princess123 starwars1 trustno1! password! password1! passw0rd1
p@ssw0rd1 p@ssw0rd123 p@55w0rd p@55word pa55word pa55w0rd passwd password01
qwerty1 qwerty12 qwerty1234 qwerty12345 qwerty123456 qwertyuiop123 1qazxsw23edc
asdasd asdasd123 qweqwe qweqwe123 zxczxc zxczxc123 abcabc abcabc123 aaa123
aaa123456 abc@123 abc#123 abc_123 abc.123 a1234567 a12345 aa12345678 abc1234
1q2w3e 1q2w3e4r5t6y7u8i 1qaz1qaz 2wsx3edc 3edc4rfv q1q1q1q1 !@#$%^ !@#$%^&*
!@#$%^&*() 1234!@#$ !@#123 123!@# qwe!@# qwe123!@# 1qaz!qaz 1qaz!qaz2wsx@wsx
hello hello123 hello1234 helloworld iloveu iloveyou2 iloveyou520 ilovechina
lovely loveme love123 love1234 lover lovers michael1 jordan23 jordan123
superman1 superman123 batman123 spiderman ironman pokemon pikachu naruto
minecraft fortnite roblox google facebook youtube microsoft apple samsung
internet windows linux ubuntu oracle mysql postgres server system manager
operator support office company business budget finance account accounts
`)

// words take digits, years and symbols after them.
var words = strings.Fields(`
password passw0rd p@ssw0rd p@ssword pa55word pa$$word admin adm1n @dmin
administrator root qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm qazwsx 1qaz2wsx
letmein welcome iloveyou monkey dragon master sunshine princess football
baseball superman batman trustno1 shadow michael login user test guest
changeme secret default system server manager office china zhongguo beijing
shanghai yunnan kunming yuxi hongta jiangchuan chengjiang tonghai huaning
yimen eshan xinping yuanjiang budget budgetpoint yusuan renda rendaiwei
renmin zhengfu huawei xiaomi baidu tencent alibaba taobao wechat weixin qq
woaini woaiwojia woaiwoma aini nihao wanan mima wodemima zhongguoren abc abcd
aa aaa a hello love lover
`)

// surnames are the most common Chinese surnames in pinyin, and given names
// that go with them.
var surnames = strings.Fields(`
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin
luo zheng liang xie song
`)

var given = strings.Fields(`
wei fang min jing li qiang lei jun yang yong yan jie juan tao ming chao xiuying
xia ping gang hua hui ling fei
`)

// suffixes follow a word.
var suffixes = strings.Fields(`
1 12 123 1234 12345 123456 123456789 0 00 000 01 007 11 111 666 888 520 1314
5201314 2008 ! @ # . !@# @123 #123 !123 _123 .123 -123 123! 123@ 123. @1234
@12345 @123456 123456! 12345! 1314! 520! @520 @1314 1! 1@ qwe abc
`)

// yearWords take a year (1950–2030) after them, alone or after @; the
// first of them after any usual symbol too.
var yearWords = strings.Fields(`
password p@ssw0rd admin passw0rd qwerty welcome iloveyou woaini china yuxi
`)

// prefixes go before a word.
var prefixes = strings.Fields(`1 123 1234 123456 520 1314 5201314 ! @ !@# 1qaz 1q2w3e qq a aa abc`)

func main() {
	set := map[string]bool{}
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" {
			set[s] = true
		}
	}
	for _, w := range classic {
		add(w)
	}
	for _, w := range words {
		add(w)
		for _, s := range suffixes {
			add(w + s)
		}
		for _, p := range prefixes {
			add(p + w) // 123admin, 520woaini
		}
	}
	for y := 1950; y <= 2030; y++ {
		ys := strconv.Itoa(y)
		add(ys)
		for i, w := range yearWords {
			add(w + ys)
			add(w + "@" + ys)
			if i < 3 {
				for _, sep := range []string{"#", "!", "_", ".", "-"} {
					add(w + sep + ys)
				}
				add(w + ys + "!")
				add(w + "@" + ys + "!")
			}
		}
	}
	// Chinese names and surnames with the usual digits.
	for _, s := range surnames {
		for _, tail := range []string{"123", "1234", "12345", "123456", "12345678", "123456789", "888", "666", "520", "1314", "5201314", "@123", "@123456"} {
			add(s + tail)
		}
		for _, g := range given {
			for _, tail := range []string{"123", "123456", "520", "1314"} {
				add(s + g + tail)
			}
		}
	}
	// Keyboard walks: rows, columns and their halves, forwards and back.
	for _, walk := range []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm",
		"1qaz2wsx3edc4rfv5tgb6yhn", "qazwsxedcrfvtgbyhnujm", "!@#$%^&*()", "1q2w3e4r5t6y7u8i9o0p",
		"0987654321", "poiuytrewq", "lkjhgfdsa", "mnbvcxz", "zaq1xsw2cde3vfr4", "qweasdzxc",
		"abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba", "a1b2c3d4e5f6g7h8", "1a2b3c4d5e6f"} {
		for n := 4; n <= len(walk); n++ {
			add(walk[:n])
			add(walk[len(walk)-n:])
		}
	}
	for _, s := range strings.Fields(`147258369 159357 741852963 123698745 147852369 1472583690
		1357924680 13579 24680 147258 258369 369258147 951753 753951 159951 357159 789456123 456123
		321654987 123654 987456 147896325 1598753 159357456 1qazxsw2 zaq12wsx xsw23edc 1q2w3e4r5t
		q2w3e4r5 qwer4321 4321rewq 1234rewq qwe321 ewq321`) {
		add(s)
	}
	// Repeated characters, and short patterns repeated.
	chars := "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*.-_=+?"
	for _, c := range chars {
		for n := 4; n <= 20; n++ {
			add(strings.Repeat(string(c), n))
		}
	}
	for _, p := range strings.Fields(`12 123 1234 12345 123456 abc abcd ab aa a1 1a qwe asd zxc 520 521 1314
		5201314 01 007 666 888 11 00 10 99 100 168 518 qaz xyz ok hi aini ai`) {
		for r := 2; len(p)*r <= 20; r++ {
			add(strings.Repeat(p, r))
		}
	}
	// Runs of digits: 1 to n, and each digit doubled.
	for i := 0; i <= 9; i++ {
		for j := i + 3; j <= 9; j++ {
			var b strings.Builder
			for k := i; k <= j; k++ {
				b.WriteByte(byte('0' + k))
			}
			add(b.String())
		}
	}
	// The famous Chinese number passwords: 520 (我爱你), 1314 (一生一世),
	// 7758 (亲亲我吧), 168 (一路发), lucky 6 and 8.
	for _, s := range strings.Fields(`5201314 1314520 520520 521521 5211314 1314521 7758521 7758258
		5201314520 52013145201314 woaini1314 woaini520 woaini521 woaini5201314 aini1314 aini520
		iloveyou1314 iloveyou5201314 qq123456 qq5201314 qq1314520 woaiwojia woaiwojia123 woaiwoma
		woaibaba woaimama wodemima mima123 mima123456 mimamima nihao123 nihao123456 wanan520 zhongguo123
		zhongguoren beijing2008 168168 518518 888888 88888888 666666 66666666 1688 16888 168888 518888
		198888 a5201314 z5201314 woshishui woshiniba woainimen laopo520 laogong520 laopo1314 laogong1314
		baobao520 baobei520 baobei1314 xiaobao xiaobai xiaohei xiaoming xiaohong xiaoyu xiaolong
		tiantian lele huanhuan jingjing yangyang xinxin dandan lili weiwei tingting feifei chenchen
		haohao aabbcc aabbccdd abc123abc 123456qq qq123456789`) {
		add(s)
	}

	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	f, err := os.Create("common_passwords.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	for _, s := range out {
		fmt.Fprintln(w, s)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
